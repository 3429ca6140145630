import 'reflect-metadata';

import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

const DURATION_OR_SIZE = /^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i;
// host:port[,host:port…]; an IPv6 host in brackets.
export const HOST_PORT_LIST =
  /^\s*(\[[0-9a-fA-F:.]+\]|[^\s,:[\]]+):\d{1,5}\s*(,\s*(\[[0-9a-fA-F:.]+\]|[^\s,:[\]]+):\d{1,5}\s*)*$/;

/**
 * Every environment variable GridLLM reads, with its default. Both apps share one schema so one
 * `.env` can serve both; `GATEWAY_PORT` / `WORKER_PORT` override `PORT` for each app.
 */
export class EnvSchema {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  @IsIn(['fatal', 'error', 'warn', 'log', 'info', 'debug', 'verbose'])
  LOG_LEVEL = 'info';

  /** Default: json when NODE_ENV=production, pretty otherwise. */
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: string;

  // Redis: REDIS_URL wins over the separate fields.
  @IsOptional()
  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL?: string;

  @IsString()
  @MinLength(1)
  REDIS_HOST = '127.0.0.1';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  REDIS_PORT = 6379;

  /** An ACL user (Redis 6+); without it the password authenticates the `default` user. */
  @IsOptional()
  @IsString()
  REDIS_USERNAME?: string;

  @IsOptional()
  @IsString()
  REDIS_PASSWORD?: string;

  /**
   * Redis Sentinel: comma-separated host:port of the sentinels; with REDIS_SENTINEL_NAME every connection
   * follows the master they elect (REDIS_HOST/PORT/URL host are then ignored).
   */
  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_SENTINELS must be a comma-separated list of host:port' })
  REDIS_SENTINELS?: string;

  /** The master name the sentinels monitor (`sentinel monitor <name> …`). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'REDIS_SENTINEL_NAME may contain letters, digits, _ - . only' })
  REDIS_SENTINEL_NAME?: string;

  /** Password of the sentinels themselves (`requirepass` in sentinel.conf), when they have one. */
  @IsOptional()
  @IsString()
  REDIS_SENTINEL_PASSWORD?: string;

  /**
   * Replicas that must confirm a submitted job (Redis WAIT) before the gateway answers; 0: no wait.
   * Replication is asynchronous: without it a failover can lose a job accepted just before the crash.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(16)
  REDIS_WAIT_REPLICAS = 0;

  /**
   * Longest WAIT for those replicas (ms); on timeout the job stays accepted and a warning is logged.
   * Below the 700 ms bound of every request-path command, so a slow replica never turns into a 503.
   */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(600)
  REDIS_WAIT_TIMEOUT = 500;

  /** Redis Cluster: comma-separated host:port of some cluster nodes (the rest are discovered). */
  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_CLUSTER_NODES must be a comma-separated list of host:port' })
  REDIS_CLUSTER_NODES?: string;

  /**
   * Command connections send the commands of one event-loop turn in one write (ioredis auto-pipelining);
   * never on blocking or pub/sub connections, nor in a Cluster. Off by default: measured slower here (c=32
   * throughput 0.75×, +40 MiB gateway RSS with 1,000 streams; docs/benchmarks.md). For A/B runs.
   */
  @IsIn(['true', 'false'])
  REDIS_AUTO_PIPELINING = 'false';

  /**
   * Every connection (not in a Cluster) sends what it writes during one event-loop turn in one system call
   * (the socket is corked until the turn's work has run). On by default: less CPU per request in the
   * gateway, the worker and Redis (docs/benchmarks.md). `false` writes each command as it is sent.
   */
  @IsIn(['true', 'false'])
  REDIS_COALESCE_WRITES = 'true';

  /** TLS to Redis; a `rediss://` REDIS_URL turns it on too. */
  @IsIn(['true', 'false'])
  REDIS_TLS = 'false';

  /** PEM files: the CA that signed Redis's certificate, and a client certificate and key for mutual TLS. */
  @IsOptional()
  @IsString()
  REDIS_TLS_CA?: string;

  @IsOptional()
  @IsString()
  REDIS_TLS_CERT?: string;

  @IsOptional()
  @IsString()
  REDIS_TLS_KEY?: string;

  /** Shared secret of the grid: workers sign their registration with it and gateways verify it. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'WORKER_TOKEN must be at least 16 characters' })
  WORKER_TOKEN?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  REDIS_DB = 0;

  @Matches(/^[A-Za-z0-9_{}.-]+$/, { message: 'REDIS_PREFIX may contain letters, digits, _ - . { } only' })
  REDIS_PREFIX = 'gridllm';

  // Timing shared by both apps.
  @Type(() => Number)
  @IsInt()
  @Min(100)
  WORKER_HEARTBEAT_INTERVAL = 1000;

  @Type(() => Number)
  @IsInt()
  @Min(1000)
  DEFAULT_JOB_TIMEOUT = 300000;

  @Type(() => Number)
  @IsInt()
  @Min(1000)
  FIRST_TOKEN_TIMEOUT = 300000;

  @Type(() => Number)
  @IsInt()
  @Min(1000)
  STALL_TIMEOUT = 60000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RESULT_TTL = 86400;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  STREAM_TTL = 600;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  STREAM_MAX_EVENTS = 100000;

  /** Bytes of event data one attempt may write to its job stream; beyond it the job ends with an error line. */
  @Matches(DURATION_OR_SIZE, { message: 'STREAM_MAX_BYTES must be a size such as 32mb' })
  STREAM_MAX_BYTES = '32mb';

  // Health and metrics (both apps).
  @IsIn(['true', 'false'])
  METRICS_ENABLED = 'true';

  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(10000)
  HEALTH_CHECK_TIMEOUT = 500;

  // Gateway.
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  GATEWAY_PORT?: number;

  /** Default 0.0.0.0 with auth on, 127.0.0.1 with auth off. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  HOST?: string;

  @IsOptional()
  @IsString()
  SERVER_ID?: string;

  @IsString()
  CORS_ORIGIN = '*';

  /** Express's `trust proxy`: true, a hop count, or addresses/subnets of the proxies (client IPs for limits and logs). */
  @IsOptional()
  @Matches(/^(true|false|\d+|[0-9a-fA-F.:/,\s]+|loopback|linklocal|uniquelocal)$/, {
    message:
      'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of proxy addresses/subnets',
  })
  TRUST_PROXY?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  MAX_CONCURRENT_JOBS = 1000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  MAX_QUEUE_PER_MODEL = 512;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(250)
  AFFINITY_DELAY_MS = 200;

  /** Prefer the worker that served the longest prefix of a prompt recently (its KV cache holds it). */
  @IsIn(['true', 'false'])
  PREFIX_AFFINITY = 'true';

  /** ms a worker is remembered for a prefix or session: the engines' default keep-alive (5 min). */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  PREFIX_AFFINITY_TTL = 300000;

  @Type(() => Number)
  @IsInt()
  @Min(500)
  PRIORITY_AGING_MS = 30000;

  /** Fair share between owners within a priority class (false: plain FIFO). */
  @IsIn(['true', 'false'])
  FAIR_SHARE = 'true';

  /** ms over which an owner's lead (tokens consumed beyond the others) decays by a factor e. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  FAIR_SHARE_WINDOW = 600000;

  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(100)
  FAIR_SHARE_PROMPT_WEIGHT = 1;

  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(100)
  FAIR_SHARE_COMPLETION_WEIGHT = 2;

  /** Completion tokens assumed for a job that sets no limit (num_predict, max_tokens). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  FAIR_SHARE_EXPECTED_TOKENS = 256;

  /** An idle worker loads a model ahead of demand when its queue outgrows its warm workers. */
  @IsIn(['true', 'false'])
  WARM_AHEAD = 'true';

  /** Waiting jobs per warm slot of a model beyond which an idle worker warms it up. */
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(1000)
  WARM_AHEAD_QUEUE_PER_SLOT = 1;

  @Matches(DURATION_OR_SIZE, { message: 'BODY_LIMIT must be a size such as 100mb' })
  BODY_LIMIT = '100mb';

  /** Where gateways keep uploaded model blobs (`/api/blobs`); gateways behind one balancer share it as a volume. */
  @IsString()
  @MinLength(1)
  BLOB_DIR = './data/blobs';

  /** Largest blob one upload may hold (independent of BODY_LIMIT); beyond: 413. */
  @Matches(DURATION_OR_SIZE, { message: 'BLOB_MAX_BYTES must be a size such as 32gb' })
  BLOB_MAX_BYTES = '32gb';

  /** The URL workers reach this gateway at, for blob downloads; unset: the host the create request came to. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  GATEWAY_PUBLIC_URL?: string;

  /** ms a SIGTERMed gateway answers /health/ready 503 (still serving) so that balancers stop sending to it. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600000)
  SHUTDOWN_DRAIN_DELAY = 5000;

  /** ms after the drain delay that in-flight requests may take to finish; streams still open then end with an error line. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3600000)
  SHUTDOWN_GRACE_PERIOD = 30000;

  // Webhooks of async native jobs (gateway).
  /** Signs callbacks of jobs whose key has no webhook secret of its own (HMAC-SHA256). */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'WEBHOOK_SECRET must be at least 16 characters' })
  WEBHOOK_SECRET?: string;

  /** Lets callbacks reach private, loopback and link-local addresses (tests, a trusted LAN). */
  @IsIn(['true', 'false'])
  WEBHOOK_ALLOW_PRIVATE = 'false';

  /** Longest one delivery attempt may take (connect, send, answer), in ms. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60000)
  WEBHOOK_TIMEOUT = 10000;

  /** Delay before the first retry (ms); each further retry waits twice as long, at most an hour. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(10000)
  WEBHOOK_FIRST_RETRY = 5000;

  /** How long a failing callback is retried after its first attempt (s). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(604800)
  WEBHOOK_RETRY_WINDOW = 86400;

  // Gateway access control and limits.
  /** true/false; unset means on when ADMIN_API_KEY or a JWT verifier is configured. */
  @IsOptional()
  @IsIn(['true', 'false'])
  API_KEY_ENABLED?: string;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'ADMIN_API_KEY must be at least 16 characters' })
  ADMIN_API_KEY?: string;

  /** Lets a gateway without auth bind a non-loopback HOST. */
  @IsIn(['true', 'false'])
  ALLOW_UNAUTHENTICATED = 'false';

  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`. */
  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'METRICS_TOKEN must be at least 8 characters' })
  METRICS_TOKEN?: string;

  /** HS256 secret for JWTs. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  /** RS256: a PEM public key, or the path of a PEM file. */
  @IsOptional()
  @IsString()
  JWT_PUBLIC_KEY?: string;

  /** RS256: the identity provider's JWKS document. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  JWT_JWKS_URL?: string;

  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;

  /** Requests per RATE_LIMIT_WINDOW for each key, token subject or client IP; 0 means no limit. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  RATE_LIMIT_REQUESTS = 0;

  /** Seconds. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_WINDOW = 60;

  /** Jobs one key or token subject may have queued or running at once, unless its key says otherwise; 0 means no limit. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  KEY_MAX_CONCURRENT = 0;

  // Worker.
  @IsOptional()
  @IsString()
  WORKER_ID?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_PORT?: number;

  @IsString()
  @MinLength(1)
  WORKER_HOST = '127.0.0.1';

  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  OLLAMA_URL?: string;

  @IsOptional()
  @IsString()
  OLLAMA_HOST?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  OLLAMA_PORT = 11434;

  @IsIn(['http', 'https'])
  OLLAMA_PROTOCOL = 'http';

  /** Default 1 (one Ollama request at a time, as OLLAMA_NUM_PARALLEL's default); 16 with ENGINE=openai (those servers batch). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1024)
  MAX_CONCURRENT_TASKS?: number;

  @IsIn(['high', 'medium', 'low', 'auto'])
  PERFORMANCE_TIER = 'auto';

  @Type(() => Number)
  @IsInt()
  @Min(500)
  MODEL_REFRESH_INTERVAL = 10000;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  DRAIN_TIMEOUT = 30000;

  @Type(() => Number)
  @IsInt()
  @Min(500)
  JOB_LOCK_DURATION = 2000;

  /**
   * Deep health: consecutive engine failures (5xx, broken streams) that take the worker out of
   * placement; a stalled job (no token within FIRST_TOKEN_TIMEOUT / STALL_TIMEOUT) does at once.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  CIRCUIT_ERROR_THRESHOLD = 3;

  /** ms before the first canary generation of an open circuit; doubles after each failed canary (up to 12x). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  CIRCUIT_PROBE_INTERVAL = 5000;

  /** ms a canary generation (num_predict 1 on a warm model) may take before it counts as failed. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  CIRCUIT_PROBE_TIMEOUT = 30000;

  // Engines: ollama (OLLAMA_URL), llamacpp (embedded, MODELS_DIR), openai (ENGINE_URL), auto.
  @IsIn(['ollama', 'llamacpp', 'openai', 'auto'])
  ENGINE = 'auto';

  /** ENGINE=openai: the OpenAI-compatible server's base URL (vLLM, llama-server, LM Studio), with or without /v1. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  ENGINE_URL?: string;

  /** ENGINE=openai: sent as `Authorization: Bearer <key>` when the server wants one (vLLM --api-key). */
  @IsOptional()
  @IsString()
  ENGINE_API_KEY?: string;

  @IsString()
  @MinLength(1)
  MODELS_DIR = './data/models';

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(256)
  LLAMA_THREADS?: number;

  @IsIn(['auto', 'off'])
  LLAMA_GPU = 'auto';

  @Type(() => Number)
  @IsInt()
  @Min(128)
  LLAMA_CONTEXT_SIZE = 2048;

  @IsOptional()
  @Matches(DURATION_OR_SIZE, { message: 'LLAMA_MEMORY_BUDGET must be a size such as 8gb' })
  LLAMA_MEMORY_BUDGET?: string;

  @Matches(/^-?\d+(\.\d+)?(ns|us|µs|ms|s|m|h)?$/, {
    message: 'OLLAMA_KEEP_ALIVE must be a duration such as 5m, 300 or -1',
  })
  OLLAMA_KEEP_ALIVE = '5m';
}
