import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';

import { StreamEvent, StreamEventType, isTerminalEvent } from '@gridllm/contracts';
import { RedisClient, RedisConnectionFactory } from '@gridllm/redis';

import { decodeEvent } from './token-stream.codec';

const BLOCK_MS = 5000;
const COUNT_PER_STREAM = 256;
const WAKE_TTL_SECONDS = 3600;

interface Subscription {
  key: string;
  lastId: string;
  buffer: StreamEvent[];
  notify: (() => void) | null;
  closed: boolean;
}

type XReadReply = Array<[string, Array<[string, string[]]>]> | null;

/**
 * Reads every open job's token stream over ONE blocking connection (one XREAD over all keys), from the
 * start of each stream, so no chunk is missed even when the worker wrote before we began reading.
 * A per-gateway wake stream in the key list makes a blocked XREAD return when a new job is added.
 */
@Injectable()
export class TokenStreamReader implements OnApplicationShutdown {
  private readonly logger = new Logger(TokenStreamReader.name);
  private readonly subscriptions = new Map<string, Set<Subscription>>();
  private readonly wakeKey: string;
  private wakeLastId = '0';
  private blocking: Redis | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeIdle: (() => void) | null = null;

  constructor(
    private readonly client: RedisClient,
    private readonly connections: RedisConnectionFactory,
  ) {
    this.wakeKey = client.keys.wake(`reader-${randomUUID()}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.blocking) return;
    this.running = false;
    this.wakeIdle?.();
    this.blocking.disconnect();
    await this.loop;
    await this.client.redis.del(this.wakeKey).catch(() => undefined);
  }

  /** The blocking connection and loop start with the first reader, so processes that never read hold none. */
  private ensureLoop(): Redis {
    if (!this.blocking) {
      this.blocking = this.connections.create('gridllm-stream-reader');
      // ioredis would silently re-send the blocked XREAD after a reconnect; open streams must end instead.
      this.blocking.on('reconnecting', () => this.failAll('lost the connection to Redis'));
      this.running = true;
      this.loop = this.readLoop(this.blocking);
    }
    return this.blocking;
  }

  /**
   * Yields a job's events from after `afterId` (default: the very start) until its terminal event,
   * or until `signal` aborts.
   */
  async *events(jobId: string, afterId = '0', signal?: AbortSignal): AsyncGenerator<StreamEvent> {
    const subscription = this.subscribe(this.client.keys.jobStream(jobId), afterId);
    const onAbort = () => subscription.notify?.();
    signal?.addEventListener('abort', onAbort);
    try {
      while (!signal?.aborted) {
        const event = subscription.buffer.shift();
        if (event) {
          yield event;
          if (isTerminalEvent(event)) return;
          continue;
        }
        await new Promise<void>((resolve) => (subscription.notify = resolve));
        subscription.notify = null;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.unsubscribe(subscription);
    }
  }

  private subscribe(key: string, afterId: string): Subscription {
    this.ensureLoop();
    const subscription: Subscription = { key, lastId: afterId, buffer: [], notify: null, closed: false };
    const set = this.subscriptions.get(key) ?? new Set<Subscription>();
    set.add(subscription);
    this.subscriptions.set(key, set);
    this.wake();
    return subscription;
  }

  private unsubscribe(subscription: Subscription): void {
    subscription.closed = true;
    const set = this.subscriptions.get(subscription.key);
    set?.delete(subscription);
    if (set?.size === 0) this.subscriptions.delete(subscription.key);
  }

  /** Ends every open read with a terminal error event (the relay turns it into an error line or a 503). */
  private failAll(message: string): void {
    const data = JSON.stringify({ error: message, status: 503 });
    for (const subscriptions of this.subscriptions.values()) {
      for (const subscription of subscriptions) {
        subscription.buffer.push({ id: subscription.lastId, type: StreamEventType.Error, attempt: 0, data });
        subscription.notify?.();
      }
    }
  }

  private wake(): void {
    this.wakeIdle?.();
    void this.client.redis
      .multi()
      .xadd(this.wakeKey, 'MAXLEN', '~', 10, '*', 'w', '1')
      .expire(this.wakeKey, WAKE_TTL_SECONDS)
      .exec()
      .catch((error: Error) => this.logger.warn(`wake failed: ${error.message}`));
  }

  private async readLoop(connection: Redis): Promise<void> {
    while (this.running) {
      if (this.subscriptions.size === 0) {
        await new Promise<void>((resolve) => (this.wakeIdle = resolve));
        this.wakeIdle = null;
        continue;
      }
      try {
        this.dispatch(await this.readOnce(connection));
      } catch (error) {
        if (!this.running) return;
        this.logger.warn(`token stream read failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** One XREAD over the wake stream and, per stream key, from the lowest position any reader needs. */
  private async readOnce(connection: Redis): Promise<XReadReply> {
    const keys = [...this.subscriptions.keys()];
    const ids = keys.map((key) => lowestId([...(this.subscriptions.get(key) ?? [])].map((s) => s.lastId)));
    const args = ['COUNT', COUNT_PER_STREAM, 'BLOCK', BLOCK_MS, 'STREAMS', this.wakeKey, ...keys];
    return (await connection.call('XREAD', ...args, this.wakeLastId, ...ids)) as XReadReply;
  }

  private dispatch(reply: XReadReply): void {
    for (const [key, entries] of reply ?? []) {
      if (key === this.wakeKey) {
        this.wakeLastId = entries[entries.length - 1]?.[0] ?? this.wakeLastId;
        continue;
      }
      for (const subscription of this.subscriptions.get(key) ?? []) this.deliver(subscription, entries);
    }
  }

  private deliver(subscription: Subscription, entries: Array<[string, string[]]>): void {
    for (const [id, fields] of entries) {
      if (compareIds(id, subscription.lastId) <= 0) continue;
      subscription.lastId = id;
      const event = decodeEvent(id, fields);
      if (event) subscription.buffer.push(event);
    }
    subscription.notify?.();
  }
}

/** Compares Redis stream ids `ms-seq` numerically. */
export function compareIds(a: string, b: string): number {
  const [aMs, aSeq = '0'] = a.split('-');
  const [bMs, bSeq = '0'] = b.split('-');
  return Number(aMs) - Number(bMs) || Number(aSeq) - Number(bSeq);
}

function lowestId(ids: string[]): string {
  return ids.reduce((lowest, id) => (compareIds(id, lowest) < 0 ? id : lowest));
}
