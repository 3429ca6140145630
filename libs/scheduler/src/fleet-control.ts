import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import { ControlOperation, ControlReply } from '@gridllm/contracts';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';

const REQUEST_TTL_SECONDS = 300;
const STREAM_MAX = 1000;

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

  async send(
    workerIds: readonly string[],
    operation: ControlOperation,
    timeoutMs = 30_000,
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
    const replies = await this.collect(keys.controlReplies(id), workerIds.length, timeoutMs);
    const answered = new Set(replies.map((reply) => reply.workerId));
    const silent = workerIds.filter((workerId) => !answered.has(workerId));
    return [
      ...replies,
      ...silent.map((workerId) => ({ workerId, ok: false, found: true, error: 'no answer in time' })),
    ];
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
