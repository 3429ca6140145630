import { readFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';

import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';

import { EnvSchema, HOST_PORT_LIST } from './env.schema';

/** A boot-time configuration problem; the message lists every bad variable. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = ConfigValidationError.name;
  }
}

export interface RedisSettings {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  /** Absent: plain TCP. */
  tls?: RedisTlsSettings;
  /** BullMQ `prefix` and our own key prefix (never ioredis `keyPrefix`, which breaks BullMQ). */
  prefix: string;
  /** One server (host/port above), a Sentinel-monitored master, or a Cluster. */
  topology: RedisTopology;
  /** Replicas that must confirm each submitted job (WAIT), and for how long to wait; 0: none. */
  waitReplicas: number;
  waitTimeoutMs: number;
  /** Auto-pipelining on the connections that ask for it (REDIS_AUTO_PIPELINING). */
  autoPipelining: boolean;
  /** A turn's writes leave each connection in one system call (REDIS_COALESCE_WRITES; not in a Cluster). */
  coalesceWrites: boolean;
}

/** A Redis address from REDIS_SENTINELS / REDIS_CLUSTER_NODES. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * How GridLLM reaches Redis. `sentinel`: the sentinels name the current master and every connection
 * follows it after a failover. `cluster`: keys are spread over the cluster's shards by hash slot.
 */
export type RedisTopology =
  | { mode: 'standalone' }
  | { mode: 'sentinel'; sentinels: RedisNode[]; masterName: string; sentinelPassword?: string }
  | { mode: 'cluster'; nodes: RedisNode[] };

/** PEM file paths; each optional (the system CAs verify the server when no CA is given). */
export interface RedisTlsSettings {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface QueueSettings {
  heartbeatIntervalMs: number;
  defaultJobTimeoutMs: number;
  /** Longest wait for the first token once a worker took a job (a cold model load takes minutes). */
  firstTokenTimeoutMs: number;
  /** Longest pause between two tokens. */
  stallTimeoutMs: number;
  resultTtlSeconds: number;
  streamTtlSeconds: number;
  /** Events one attempt may write to its job stream (MAXLEN); the last one is kept for the error line. */
  streamMaxEvents: number;
  /** Bytes of event data one attempt may write to its job stream. */
  streamMaxBytes: number;
  maxConcurrentJobs: number;
  maxQueuePerModel: number;
  /** How long a job may be left to a warmer or faster worker before any free worker takes it. */
  affinityDelayMs: number;
  /** Prefer the worker holding the longest prefix of a prompt (PREFIX_AFFINITY). */
  prefixAffinity: boolean;
  /** How long a worker is remembered for a prefix or a session, in ms. */
  affinityTtlMs: number;
  /** A job waiting this long is treated as at least medium priority, twice this as high. */
  priorityAgingMs: number;
  lockDurationMs: number;
  fairShare: FairShareSettings;
  warmAhead: WarmAheadSettings;
}

/** How jobs of different owners are ordered within a priority class (docs/scheduling.md, Fair share). */
export interface FairShareSettings {
  enabled: boolean;
  /** ms over which an owner's lead over the others decays by a factor e. */
  windowMs: number;
  promptWeight: number;
  completionWeight: number;
  /** Completion tokens assumed when the request sets no limit. */
  expectedCompletionTokens: number;
}

/** When an idle worker loads a model before jobs reach it (docs/scheduling.md, Warm ahead). */
export interface WarmAheadSettings {
  enabled: boolean;
  /** Waiting jobs per warm slot beyond which a worker with room loads the model. */
  queuePerSlot: number;
}

export interface GatewaySettings {
  serverId: string;
  host: string;
  port: number;
  corsOrigin: string;
  bodyLimit: string;
  blobs: BlobSettings;
  /** Express `trust proxy`; absent: the TCP peer is the client. */
  trustProxy?: boolean | number | string;
  shutdown: ShutdownSettings;
}

/** Model blobs uploaded through `/api/blobs` and fetched by workers for `/api/create`. */
export interface BlobSettings {
  dir: string;
  maxBytes: number;
  /** Base URL workers fetch blobs from; absent: the origin the create request was sent to. */
  publicUrl?: string;
}

/** A gateway's SIGTERM: not-ready first, then stop accepting and let open requests finish. */
export interface ShutdownSettings {
  /** How long /health/ready answers 503 while requests are still served (skipped when nobody probes it). */
  drainDelayMs: number;
  /** How long in-flight requests may then take; streams still open at its end get the error line. */
  gracePeriodMs: number;
}

export interface WorkerSettings {
  workerId: string;
  host: string;
  port: number;
  ollamaUrl: string;
  slots: number;
  performanceTier: 'high' | 'medium' | 'low' | 'auto';
  modelRefreshIntervalMs: number;
  drainTimeoutMs: number;
  engine: 'ollama' | 'llamacpp' | 'openai' | 'auto';
  llama: LlamaSettings;
  openai: OpenAiEngineSettings;
  circuit: CircuitSettings;
}

/** ENGINE=openai: the server in front of which the worker runs. */
export interface OpenAiEngineSettings {
  /** Base URL ending in `/v1` (added when ENGINE_URL lacks it); empty unless ENGINE=openai. */
  baseUrl: string;
  apiKey?: string;
}

/** Deep health: when the worker leaves placement and how it is probed before it comes back. */
export interface CircuitSettings {
  /** Consecutive engine failures that open the circuit (a stalled job opens it at once). */
  errorThreshold: number;
  /** First canary delay; doubled after each failed canary, up to 12 times this. */
  probeIntervalMs: number;
  probeTimeoutMs: number;
}

/** Slots when MAX_CONCURRENT_TASKS is unset: OpenAI-compatible servers batch many requests at once. */
export const DEFAULT_SLOTS = { openai: 16, other: 1 } as const;

/** The embedded llama.cpp engine. */
export interface LlamaSettings {
  modelsDir: string;
  threads: number;
  gpu: 'auto' | 'off';
  defaultContextSize: number;
  /** Bytes of model weights kept loaded before the least recently used idle model is evicted. */
  memoryBudgetBytes: number;
  /** Ollama's OLLAMA_KEEP_ALIVE: how long an idle model stays loaded (duration string or seconds). */
  defaultKeepAlive: string;
}

/** Who may call the gateway, how often, and how workers prove they belong to the grid. */
export interface SecuritySettings {
  /** Every route but /health*, /docs* and /metrics needs an API key or a JWT. */
  authEnabled: boolean;
  /** The bootstrap key with every scope (compared in constant time, never stored). */
  adminApiKey?: string;
  /** A non-loopback HOST without auth was explicitly allowed. */
  allowUnauthenticated: boolean;
  metricsToken?: string;
  jwt: JwtSettings;
  /** Default request rate per key, token subject or client IP; `requests` 0 means none. */
  rateLimit: { requests: number; windowSeconds: number };
  /** Default jobs queued or running at once per key or token subject; 0 means no limit. */
  keyMaxConcurrent: number;
  /** Shared by the grid's gateways and workers; absent means registrations are not signed. */
  workerToken?: string;
}

export interface JwtSettings {
  secret?: string;
  /** PEM text (read from the file when JWT_PUBLIC_KEY named one). */
  publicKey?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

/** Health probes and Prometheus metrics (both apps). */
export interface ObservabilitySettings {
  metricsEnabled: boolean;
  /** Each dependency check of a health probe (Redis, queue, engine) gives up after this long. */
  healthCheckTimeoutMs: number;
}

/** Callbacks of async native jobs, delivered by gateways. */
export interface WebhookSettings {
  /** Signs callbacks of jobs whose key has no secret of its own; absent: such callbacks are refused. */
  secret?: string;
  allowPrivate: boolean;
  timeoutMs: number;
  firstRetryMs: number;
  retryWindowMs: number;
}

export interface GridConfig {
  env: 'development' | 'production' | 'test';
  logLevel: string;
  /** JSON lines (production default) or readable lines. */
  logFormat: 'json' | 'pretty';
  redis: RedisSettings;
  queue: QueueSettings;
  gateway: GatewaySettings;
  worker: WorkerSettings;
  observability: ObservabilitySettings;
  security: SecuritySettings;
  webhook: WebhookSettings;
}

type Env = Record<string, string | undefined>;

/** Validates the raw environment and derives the typed settings of both apps. Pure: no process access. */
export function parseGridConfig(rawEnv: Env): GridConfig {
  const env = validateEnv(rawEnv);
  const security = securitySettings(env);
  return {
    env: env.NODE_ENV as GridConfig['env'],
    logLevel: env.LOG_LEVEL,
    logFormat: (env.LOG_FORMAT ??
      (env.NODE_ENV === 'production' ? 'json' : 'pretty')) as GridConfig['logFormat'],
    redis: redisSettings(env),
    queue: {
      heartbeatIntervalMs: env.WORKER_HEARTBEAT_INTERVAL,
      defaultJobTimeoutMs: env.DEFAULT_JOB_TIMEOUT,
      firstTokenTimeoutMs: env.FIRST_TOKEN_TIMEOUT,
      stallTimeoutMs: env.STALL_TIMEOUT,
      resultTtlSeconds: env.RESULT_TTL,
      streamTtlSeconds: env.STREAM_TTL,
      streamMaxEvents: env.STREAM_MAX_EVENTS,
      streamMaxBytes: streamMaxBytes(env.STREAM_MAX_BYTES),
      maxConcurrentJobs: env.MAX_CONCURRENT_JOBS,
      maxQueuePerModel: env.MAX_QUEUE_PER_MODEL,
      affinityDelayMs: env.AFFINITY_DELAY_MS,
      prefixAffinity: env.PREFIX_AFFINITY === 'true',
      affinityTtlMs: env.PREFIX_AFFINITY_TTL,
      priorityAgingMs: env.PRIORITY_AGING_MS,
      lockDurationMs: env.JOB_LOCK_DURATION,
      fairShare: {
        enabled: env.FAIR_SHARE === 'true',
        windowMs: env.FAIR_SHARE_WINDOW,
        promptWeight: env.FAIR_SHARE_PROMPT_WEIGHT,
        completionWeight: env.FAIR_SHARE_COMPLETION_WEIGHT,
        expectedCompletionTokens: env.FAIR_SHARE_EXPECTED_TOKENS,
      },
      warmAhead: { enabled: env.WARM_AHEAD === 'true', queuePerSlot: env.WARM_AHEAD_QUEUE_PER_SLOT },
    },
    gateway: {
      serverId: env.SERVER_ID ?? `gateway-${hostname()}-${process.pid}`,
      host: env.HOST ?? (security.authEnabled ? '0.0.0.0' : '127.0.0.1'),
      port: env.GATEWAY_PORT ?? env.PORT ?? 4000,
      corsOrigin: env.CORS_ORIGIN,
      bodyLimit: env.BODY_LIMIT,
      blobs: {
        dir: env.BLOB_DIR,
        maxBytes: parseSize(env.BLOB_MAX_BYTES),
        publicUrl: env.GATEWAY_PUBLIC_URL?.replace(/\/+$/, ''),
      },
      trustProxy: trustProxy(env.TRUST_PROXY),
      shutdown: { drainDelayMs: env.SHUTDOWN_DRAIN_DELAY, gracePeriodMs: env.SHUTDOWN_GRACE_PERIOD },
    },
    worker: {
      workerId: env.WORKER_ID ?? hostname(),
      host: env.WORKER_HOST,
      port: env.WORKER_PORT ?? env.PORT ?? 3000,
      ollamaUrl: ollamaUrl(env),
      slots:
        env.MAX_CONCURRENT_TASKS ?? (env.ENGINE === 'openai' ? DEFAULT_SLOTS.openai : DEFAULT_SLOTS.other),
      performanceTier: env.PERFORMANCE_TIER as WorkerSettings['performanceTier'],
      modelRefreshIntervalMs: env.MODEL_REFRESH_INTERVAL,
      drainTimeoutMs: env.DRAIN_TIMEOUT,
      engine: env.ENGINE as WorkerSettings['engine'],
      llama: {
        modelsDir: env.MODELS_DIR,
        // Measured on 2 cores: 1 thread decoded ~2,000 tok/s, 2 threads ~60 (Node's own thread competes).
        threads: env.LLAMA_THREADS ?? Math.max(1, cpus().length - 1),
        gpu: env.LLAMA_GPU as LlamaSettings['gpu'],
        defaultContextSize: env.LLAMA_CONTEXT_SIZE,
        memoryBudgetBytes: env.LLAMA_MEMORY_BUDGET
          ? parseSize(env.LLAMA_MEMORY_BUDGET)
          : Math.floor(totalmem() * 0.75),
        defaultKeepAlive: env.OLLAMA_KEEP_ALIVE,
      },
      openai: { baseUrl: openAiBaseUrl(env.ENGINE_URL), apiKey: env.ENGINE_API_KEY },
      circuit: {
        errorThreshold: env.CIRCUIT_ERROR_THRESHOLD,
        probeIntervalMs: env.CIRCUIT_PROBE_INTERVAL,
        probeTimeoutMs: env.CIRCUIT_PROBE_TIMEOUT,
      },
    },
    observability: {
      metricsEnabled: env.METRICS_ENABLED === 'true',
      healthCheckTimeoutMs: env.HEALTH_CHECK_TIMEOUT,
    },
    security,
    webhook: {
      secret: env.WEBHOOK_SECRET,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE === 'true',
      timeoutMs: env.WEBHOOK_TIMEOUT,
      firstRetryMs: env.WEBHOOK_FIRST_RETRY,
      retryWindowMs: env.WEBHOOK_RETRY_WINDOW * 1000,
    },
  };
}

function securitySettings(env: EnvSchema): SecuritySettings {
  const jwt: JwtSettings = {
    secret: env.JWT_SECRET,
    publicKey: env.JWT_PUBLIC_KEY ? readPem(env.JWT_PUBLIC_KEY) : undefined,
    jwksUrl: env.JWT_JWKS_URL,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
  };
  const credentialsConfigured = Boolean(env.ADMIN_API_KEY || jwt.secret || jwt.publicKey || jwt.jwksUrl);
  return {
    authEnabled: env.API_KEY_ENABLED === 'true' || (env.API_KEY_ENABLED !== 'false' && credentialsConfigured),
    adminApiKey: env.ADMIN_API_KEY,
    allowUnauthenticated: env.ALLOW_UNAUTHENTICATED === 'true',
    metricsToken: env.METRICS_TOKEN,
    jwt,
    rateLimit: { requests: env.RATE_LIMIT_REQUESTS, windowSeconds: env.RATE_LIMIT_WINDOW },
    keyMaxConcurrent: env.KEY_MAX_CONCURRENT,
    workerToken: env.WORKER_TOKEN,
  };
}

/** Below 64 KiB a single long answer (or an embedding) could not be stored at all. */
const MIN_STREAM_BYTES = 64 * 1024;

function streamMaxBytes(value: string): number {
  const bytes = parseSize(value);
  if (bytes < MIN_STREAM_BYTES) {
    throw new ConfigValidationError([`STREAM_MAX_BYTES=${JSON.stringify(value)}: must be at least 64kb`]);
  }
  return bytes;
}

function trustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined || value === 'false') return undefined;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** JWT_PUBLIC_KEY holds the PEM itself or names a file with it. */
function readPem(value: string): string {
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new ConfigValidationError([`JWT_PUBLIC_KEY: cannot read ${value}: ${(error as Error).message}`]);
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

/**
 * A gateway without auth must not listen where others can reach it by accident: a non-loopback HOST
 * then needs ALLOW_UNAUTHENTICATED=true. Returns the refusal, or null when the binding is acceptable.
 */
export function unsafeBinding(config: GridConfig): string | null {
  const { host } = config.gateway;
  const { authEnabled, allowUnauthenticated } = config.security;
  if (authEnabled || LOOPBACK_HOSTS.has(host) || host.startsWith('127.') || allowUnauthenticated) return null;
  return (
    `HOST=${host} would expose the gateway without authentication. Set ADMIN_API_KEY (or API_KEY_ENABLED=true ` +
    'with JWT_SECRET / JWT_PUBLIC_KEY / JWT_JWKS_URL) to turn auth on, or ALLOW_UNAUTHENTICATED=true if a proxy ' +
    'in front of the gateway authenticates every request'
  );
}

function validateEnv(rawEnv: Env): EnvSchema {
  // Optional keys have no initialiser, so they are listed explicitly; unknown variables are ignored.
  const known = new Set([...Object.keys(new EnvSchema()), ...OPTIONAL_ENV_KEYS]);
  const present = Object.fromEntries(
    Object.entries(rawEnv).filter(([key, value]) => value !== undefined && value !== '' && known.has(key)),
  );
  const env = plainToInstance(EnvSchema, present);
  const errors = validateSync(env, { skipMissingProperties: false });
  const problems = [...errors.map(describeProblem), ...redisTopologyProblems(env), ...engineProblems(env)];
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}

/** Variables without a default (absent unless set). */
export const OPTIONAL_ENV_KEYS = [
  'LOG_FORMAT',
  'REDIS_URL',
  'REDIS_USERNAME',
  'REDIS_PASSWORD',
  'REDIS_TLS_CA',
  'REDIS_TLS_CERT',
  'REDIS_TLS_KEY',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_NAME',
  'REDIS_SENTINEL_PASSWORD',
  'REDIS_CLUSTER_NODES',
  'WORKER_TOKEN',
  'WEBHOOK_SECRET',
  'HOST',
  'TRUST_PROXY',
  'API_KEY_ENABLED',
  'ADMIN_API_KEY',
  'METRICS_TOKEN',
  'JWT_SECRET',
  'JWT_PUBLIC_KEY',
  'JWT_JWKS_URL',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'PORT',
  'GATEWAY_PORT',
  'SERVER_ID',
  'GATEWAY_PUBLIC_URL',
  'WORKER_ID',
  'WORKER_PORT',
  'OLLAMA_URL',
  'OLLAMA_HOST',
  'LLAMA_THREADS',
  'LLAMA_MEMORY_BUDGET',
  'MAX_CONCURRENT_TASKS',
  'ENGINE_URL',
  'ENGINE_API_KEY',
];

/** Legal but unwise settings, reported at boot. */
export function configWarnings(config: GridConfig): string[] {
  const warnings: string[] = [];
  if (config.queue.heartbeatIntervalMs >= 10000) {
    const lapse = (config.queue.heartbeatIntervalMs * 3) / 1000;
    warnings.push(
      `WORKER_HEARTBEAT_INTERVAL=${config.queue.heartbeatIntervalMs} ms: a dead worker is noticed only after ${lapse} s ` +
        '(3 missed beats); the default of 1000 ms notices it within 3 s',
    );
  }
  return warnings;
}

/** Legal but unwise gateway settings (access control), reported at the gateway's boot only. */
export function gatewayConfigWarnings(config: GridConfig): string[] {
  const warnings: string[] = [];
  const { security, gateway } = config;
  if (!security.authEnabled && security.allowUnauthenticated && unsafeBindingIgnoringAllowance(config)) {
    warnings.push(
      `!!! HOST=${gateway.host} with authentication OFF (ALLOW_UNAUTHENTICATED=true): anyone who can reach ` +
        'this port can run inference, pull and delete models and drain workers. Only do this behind a proxy that authenticates. !!!',
    );
  }
  const { jwt } = security;
  if (security.authEnabled && !security.adminApiKey && !jwt.secret && !jwt.publicKey && !jwt.jwksUrl) {
    warnings.push(
      'auth is on but neither ADMIN_API_KEY nor a JWT verifier is set: only keys already stored in Redis can call the gateway',
    );
  }
  return warnings;
}

function unsafeBindingIgnoringAllowance(config: GridConfig): boolean {
  return unsafeBinding({ ...config, security: { ...config.security, allowUnauthenticated: false } }) !== null;
}

/** Variables whose values are never echoed. */
const SECRET_NAME = /PASSWORD|TOKEN|SECRET|API_KEY$/;

function describeProblem(error: ValidationError): string {
  const reasons = Object.values(error.constraints ?? {}).join('; ');
  const shown = SECRET_NAME.test(error.property) ? '<hidden>' : JSON.stringify(error.value);
  return `${error.property}=${shown}: ${reasons}`;
}

function redisSettings(env: EnvSchema): RedisSettings {
  const tlsFiles: RedisTlsSettings = {
    caFile: env.REDIS_TLS_CA,
    certFile: env.REDIS_TLS_CERT,
    keyFile: env.REDIS_TLS_KEY,
  };
  const tlsWanted = env.REDIS_TLS === 'true' || env.REDIS_URL?.startsWith('rediss:') === true;
  const base = {
    db: env.REDIS_DB,
    prefix: env.REDIS_PREFIX,
    tls: tlsWanted ? tlsFiles : undefined,
    topology: redisTopology(env),
    waitReplicas: env.REDIS_WAIT_REPLICAS,
    waitTimeoutMs: env.REDIS_WAIT_TIMEOUT,
    autoPipelining: env.REDIS_AUTO_PIPELINING === 'true',
    coalesceWrites: env.REDIS_COALESCE_WRITES === 'true',
  };
  if (!env.REDIS_URL) {
    return {
      ...base,
      host: env.REDIS_HOST,
      port: env.REDIS_PORT,
      username: env.REDIS_USERNAME,
      password: env.REDIS_PASSWORD,
    };
  }
  const url = new URL(env.REDIS_URL);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : env.REDIS_DB;
  return {
    ...base,
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : env.REDIS_USERNAME,
    password: url.password ? decodeURIComponent(url.password) : env.REDIS_PASSWORD,
    db: Number.isInteger(db) ? db : env.REDIS_DB,
  };
}

/** Combinations the schema's per-variable checks cannot see. */
function redisTopologyProblems(env: EnvSchema): string[] {
  const problems: string[] = [];
  if (env.REDIS_SENTINELS && env.REDIS_CLUSTER_NODES)
    problems.push('REDIS_SENTINELS and REDIS_CLUSTER_NODES: set one of them (Sentinel or Cluster), not both');
  if (env.REDIS_SENTINELS && !env.REDIS_SENTINEL_NAME)
    problems.push(
      'REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the master name the sentinels monitor)',
    );
  if (env.REDIS_SENTINEL_NAME && !env.REDIS_SENTINELS)
    problems.push('REDIS_SENTINELS: required with REDIS_SENTINEL_NAME (host:port of the sentinels)');
  if (env.REDIS_SENTINEL_PASSWORD && !env.REDIS_SENTINELS)
    problems.push('REDIS_SENTINEL_PASSWORD: only used with REDIS_SENTINELS');
  // A malformed list is already reported by the schema; its ports are not checked again.
  const wellFormed = [env.REDIS_SENTINELS, env.REDIS_CLUSTER_NODES].filter((list) =>
    HOST_PORT_LIST.test(list ?? ''),
  );
  const nodes = wellFormed.flatMap((list) => parseNodes(list));
  for (const node of nodes.filter(({ port }) => port < 1 || port > 65535))
    problems.push(`${node.host}:${node.port}: port must be between 1 and 65535`);
  if (env.REDIS_CLUSTER_NODES && Number(env.REDIS_WAIT_REPLICAS) > 0)
    problems.push('REDIS_WAIT_REPLICAS: not supported with REDIS_CLUSTER_NODES (a job spans several shards)');
  if (env.REDIS_CLUSTER_NODES && Number(env.REDIS_DB) !== 0)
    problems.push('REDIS_DB: a Redis Cluster has only database 0');
  return problems;
}

function redisTopology(env: EnvSchema): RedisTopology {
  if (env.REDIS_CLUSTER_NODES) return { mode: 'cluster', nodes: parseNodes(env.REDIS_CLUSTER_NODES) };
  if (env.REDIS_SENTINELS && env.REDIS_SENTINEL_NAME)
    return {
      mode: 'sentinel',
      sentinels: parseNodes(env.REDIS_SENTINELS),
      masterName: env.REDIS_SENTINEL_NAME,
      sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
    };
  return { mode: 'standalone' };
}

/** `a:1, [::1]:2` → nodes (the schema has already checked the shape). */
function parseNodes(list: string | undefined): RedisNode[] {
  if (!list) return [];
  return list.split(',').map((entry) => {
    const trimmed = entry.trim();
    const colon = trimmed.lastIndexOf(':');
    return { host: trimmed.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(trimmed.slice(colon + 1)) };
  });
}

/** OLLAMA_URL wins; OLLAMA_HOST with a scheme or port is a full address (Ollama's own form), else joined with OLLAMA_PORT. */
function engineProblems(env: EnvSchema): string[] {
  if (env.ENGINE === 'openai' && !env.ENGINE_URL)
    return ["ENGINE_URL: required with ENGINE=openai (the server's base URL, e.g. http://gpu-1:8000/v1)"];
  return [];
}

/** `http://h:8000`, `http://h:8000/`, `http://h:8000/v1/` → `http://h:8000/v1`. */
export function openAiBaseUrl(url: string | undefined): string {
  if (!url) return '';
  const trimmed = stripTrailingSlash(url.trim());
  return /\/v1$/i.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

function ollamaUrl(env: EnvSchema): string {
  if (env.OLLAMA_URL) return stripTrailingSlash(env.OLLAMA_URL);
  const host = env.OLLAMA_HOST?.trim();
  if (!host) return `${env.OLLAMA_PROTOCOL}://127.0.0.1:${env.OLLAMA_PORT}`;
  if (/^https?:\/\//i.test(host)) return stripTrailingSlash(withDefaultPort(host, env.OLLAMA_PORT));
  if (/:\d+$/.test(host) || host.startsWith('[')) return `${env.OLLAMA_PROTOCOL}://${host}`;
  const bindAll = host === '0.0.0.0' ? '127.0.0.1' : host;
  return `${env.OLLAMA_PROTOCOL}://${bindAll}:${env.OLLAMA_PORT}`;
}

function withDefaultPort(address: string, port: number): string {
  const url = new URL(address);
  if (!url.port && url.protocol === 'http:') url.port = String(port);
  return url.toString();
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `8gb`, `512mb`, `1024` (bytes) → bytes. */
export function parseSize(size: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(size.trim());
  if (!match) return Number.NaN;
  return Math.floor(Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase()]);
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
