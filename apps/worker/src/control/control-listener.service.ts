import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { workerConfig } from '@gridllm/config';
import { ControlOperation, ControlReply } from '@gridllm/contracts';
import { RedisClient, RedisConnection, RedisConnectionFactory } from '@gridllm/redis';

import { BlobFetcher } from '../blobs/blob-fetcher';
import { blobSource } from '../blobs/blob-source';
import { INFERENCE_ENGINE, InferenceEngine } from '../engines/inference-engine';
import { HeartbeatService } from '../registration/heartbeat.service';

const BLOCK_MS = 5000;
const REPLY_TTL_SECONDS = 300;
/** A cold load of a large model takes minutes. */
const LIFECYCLE_TIMEOUT_MS = 5 * 60_000;
/** Downloads (and uploads, and model creation) of large models take long. */
const PULL_TIMEOUT_MS = 6 * 60 * 60_000;

/** The operations that report progress lines while they run. */
type ProgressOperation = Extract<ControlOperation, { op: 'pull' | 'push' | 'create' }>;

/** Carries out model operations (delete, copy) that gateways send to this worker, on its own engine. */
@Injectable()
export class ControlListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ControlListener.name);
  private connection: RedisConnection | null = null;
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly connections: RedisConnectionFactory,
    private readonly client: RedisClient,
    private readonly heartbeat: HeartbeatService,
    private readonly fetcher: BlobFetcher,
    @Inject(INFERENCE_ENGINE) private readonly engine: InferenceEngine,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
  ) {}

  onApplicationBootstrap(): void {
    this.connection = this.connections.create('gridllm-control');
    this.running = true;
    this.loop = this.listen(this.connection);
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.connection?.disconnect();
    await this.loop;
  }

  /** Reads only requests sent after start ('$'): an old request's gateway has long given up on it. */
  private async listen(connection: RedisConnection): Promise<void> {
    let lastId = '$';
    const stream = this.client.keys.controlStream(this.worker.workerId);
    while (this.running) {
      try {
        const reply = await connection.xread('BLOCK', BLOCK_MS, 'STREAMS', stream, lastId);
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            // Pulls, pushes and creates run for minutes: they must not hold up a delete or an unload.
            const work = this.handle(fields).catch((error: Error) =>
              this.logger.warn(`control request failed: ${error.message}`),
            );
            if (!isLong(fields)) await work;
          }
        }
      } catch (error) {
        if (!this.running) return;
        this.logger.warn(`control stream: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async handle(fields: string[]): Promise<void> {
    const values = new Map<string, string>();
    for (let index = 0; index + 1 < fields.length; index += 2) values.set(fields[index], fields[index + 1]);
    const requestId = values.get('id');
    if (!requestId) return;
    const answer = await this.run(JSON.parse(values.get('operation') ?? '{}') as ControlOperation, requestId);
    const key = this.client.keys.controlReplies(requestId);
    await this.client.redis.multi().rpush(key, JSON.stringify(answer)).expire(key, REPLY_TTL_SECONDS).exec();
  }

  private async run(operation: ControlOperation, requestId: string): Promise<ControlReply> {
    const workerId = this.worker.workerId;
    try {
      if (operation.op === 'pull' || operation.op === 'push' || operation.op === 'create') {
        await this.withProgress(operation, requestId);
        return { workerId, ok: true, found: true };
      }
      if (operation.op === 'lifecycle')
        return { workerId, ok: true, found: true, body: await this.lifecycle(operation) };
      const found =
        operation.op === 'delete'
          ? await this.engine.deleteModel(operation.model)
          : await this.engine.copyModel(operation.source, operation.destination);
      if (found) await this.heartbeat.refreshNow();
      this.logger.log(`${operation.op}: ${found ? 'done' : 'model not found'}`);
      return { workerId, ok: found, found };
    } catch (error) {
      return { workerId, ok: false, found: true, error: (error as Error).message };
    }
  }

  /**
   * Pull, push or create on the engine. Relays each progress line to the request's progress stream, in
   * order, then refreshes the model list.
   */
  private async withProgress(operation: ProgressOperation, requestId: string): Promise<void> {
    const key = this.client.keys.controlProgress(requestId);
    let writes = Promise.resolve<unknown>(undefined);
    const onProgress = (line: string) => {
      writes = writes.then(() =>
        this.client.redis
          .multi()
          .xadd(key, '*', 'w', this.worker.workerId, 'd', line)
          .expire(key, REPLY_TTL_SECONDS)
          .exec(),
      );
    };
    const signal = AbortSignal.timeout(PULL_TIMEOUT_MS);
    try {
      if (operation.op === 'pull') await this.engine.pullModel(operation.request, onProgress, signal);
      else if (operation.op === 'push') await this.engine.pushModel(operation.request, onProgress, signal);
      else {
        const blobs = blobSource(this.fetcher, operation.blobs, onProgress, signal);
        await this.engine.createModel(operation.request, blobs, onProgress, signal);
      }
    } finally {
      await writes;
    }
    await this.heartbeat.refreshNow();
  }

  /** Load or unload: the engine answers with one `done:true` object (done_reason load / unload). */
  private async lifecycle(
    operation: Extract<ControlOperation, { op: 'lifecycle' }>,
  ): Promise<Record<string, unknown>> {
    const signal = AbortSignal.timeout(LIFECYCLE_TIMEOUT_MS);
    const chunks =
      operation.kind === 'chat'
        ? this.engine.chat(operation.request, signal)
        : this.engine.generate(operation.request, signal);
    let last: Record<string, unknown> = {};
    for await (const { chunk } of chunks) last = chunk;
    await this.heartbeat.refreshNow();
    return last;
  }
}

/** Whether the request in these stream fields is a pull, push or create (they report progress meanwhile). */
function isLong(fields: string[]): boolean {
  const index = fields.indexOf('operation');
  const operation = index >= 0 ? fields[index + 1] : '';
  return /^\{"op":"(pull|push|create)"/.test(operation ?? '');
}
