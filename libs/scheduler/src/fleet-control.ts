import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import { ControlOperation, ControlReply } from '@gridllm/contracts';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';

const REQUEST_TTL_SECONDS = 300;
const STREAM_MAX = 1000;
const PROGRESS_BLOCK_MS = 250;

/**
 * Asks workers to carry out a model operation on their own engine and collects their answers. Each
 * worker reads its own control stream; answers come back on a per-request list. A worker that does not
 * answer in time is reported as failed, by name.
 */
@Injectable()
export class FleetControl {
  constructor(
    private readonly client: RedisClient,
    private readonly connections: RedisConnectionFactory,
  ) {}

  /**
   * Sends the operation to each worker and waits for every answer (or the timeout). `onProgress` receives
   * the progress lines workers write meanwhile (a pull), each with the worker it came from.
   */
  async send(
    workerIds: readonly string[],
    operation: ControlOperation,
    timeoutMs = 30_000,
    onProgress?: (workerId: string, line: string) => void,
  ): Promise<ControlReply[]> {
    const id = randomUUID();
    const { redis, keys } = this.client;
    const pipeline = redis.pipeline();
    for (const workerId of workerIds) {
      const stream = keys.controlStream(workerId);
      pipeline.xadd(stream, 'MAXLEN', '~', STREAM_MAX, '*', 'id', id, 'operation', JSON.stringify(operation));
      pipeline.expire(stream, REQUEST_TTL_SECONDS);
    }
    await pipeline.exec();
    const progress = onProgress ? this.follow(keys.controlProgress(id), onProgress) : null;
    const replies = await this.collect(keys.controlReplies(id), workerIds.length, timeoutMs).finally(() =>
      progress?.stop(),
    );
    await progress?.done;
    const answered = new Set(replies.map((reply) => reply.workerId));
    const silent = workerIds.filter((workerId) => !answered.has(workerId));
    return [
      ...replies,
      ...silent.map((workerId) => ({ workerId, ok: false, found: true, error: 'no answer in time' })),
    ];
  }

  /** Relays a progress stream until stopped, then drains what is left, so no line is lost. */
  private follow(
    key: string,
    onProgress: (workerId: string, line: string) => void,
  ): { stop: () => void; done: Promise<void> } {
    const connection = this.connections.create('gridllm-control-progress');
    let stopped = false;
    let lastId = '0';
    const deliver = (entries: Array<[string, string[]]>) => {
      for (const [entryId, fields] of entries) {
        lastId = entryId;
        const values = new Map<string, string>();
        for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i], fields[i + 1]);
        onProgress(values.get('w') ?? '', values.get('d') ?? '');
      }
    };
    const done = (async () => {
      try {
        while (!stopped) {
          const reply = await connection.xread('BLOCK', PROGRESS_BLOCK_MS, 'STREAMS', key, lastId);
          for (const [, entries] of reply ?? []) deliver(entries);
        }
        deliver(await connection.xrange(key, `(${lastId}`, '+'));
      } finally {
        connection.disconnect();
      }
    })();
    return { stop: () => (stopped = true), done };
  }

  /** Blocks on the reply list on a connection of its own (BLPOP would hold up every other command). */
  private async collect(key: string, expected: number, timeoutMs: number): Promise<ControlReply[]> {
    const connection = this.connections.create('gridllm-control-wait');
    const replies: ControlReply[] = [];
    const deadline = Date.now() + timeoutMs;
    try {
      while (replies.length < expected && Date.now() < deadline) {
        const popped = await connection.blpop(key, Math.max(0.01, (deadline - Date.now()) / 1000));
        if (popped) replies.push(JSON.parse(popped[1]) as ControlReply);
      }
      return replies;
    } finally {
      connection.disconnect();
    }
  }
}
