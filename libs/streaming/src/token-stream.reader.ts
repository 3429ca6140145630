import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import { StreamEvent, StreamEventType, isTerminalEvent } from '@gridllm/contracts';
import { RedisClient, RedisConnection, RedisConnectionFactory, hashTagOf } from '@gridllm/redis';

import type { AbortSource } from './one-time-abort';
import { decodeEntry, firstLineId, splitLines } from './token-stream.codec';

const BLOCK_MS = 5000;
const WAKE_TTL_SECONDS = 3600;
/** Entries one XREAD may return in all, shared out over its streams (at least 16, at most 256 each). */
const ENTRIES_PER_READ = 8192;
/**
 * With many streams open, an XREAD is a command of ~100 bytes per stream that Redis scans whole (1.5 ms
 * at 1,000 streams) and returns with a few entries: spacing reads (0 up to 64 streams, then 1 ms per
 * 50 streams, at most 20 ms) lets entries gather, cutting Redis time and the gateway's garbage per token.
 */
const SPACING_FREE_STREAMS = 64;
const STREAMS_PER_SPACING_MS = 50;
const MAX_SPACING_MS = 20;

interface Subscription {
  key: string;
  lastId: string;
  buffer: StreamEvent[];
  notify: (() => void) | null;
  closed: boolean;
  /** Its terminal event was delivered: nothing more to read for it. */
  ended: boolean;
  /** Entries of several chunk lines come as one event (see decodeEntry). */
  joined: boolean;
}

type XReadReply = Array<[string, Array<[string, string[]]>]> | null;

/** One blocking XREAD loop: its connection, its wake stream and how far that stream was read. */
interface ReadGroup {
  name: string;
  connection: RedisConnection;
  wakeKey: string;
  wakeLastId: string;
  wakeIdle: (() => void) | null;
  /** The keys to read, kept until a reader comes, goes or ends (null: list them afresh). */
  keys: string[] | null;
  /** When the last XREAD was sent (ms), for the spacing of reads over many streams. */
  readAt: number;
  /** An XREAD is on its way: a new key is only seen if the wake stream makes it return. */
  blocked: boolean;
  /** The blocked XREAD was already woken: one wake is enough, the next read lists every new key. */
  woken: boolean;
  /** When the wake stream's TTL was last set (ms). */
  expiredAt: number;
  loop: Promise<void>;
}

/**
 * Reads every open job's token stream over ONE blocking connection (one XREAD over all keys), from the
 * start of each stream, so no chunk is missed even when the worker wrote before we began reading.
 * A per-gateway wake stream in the key list makes a blocked XREAD return when a new job is added.
 * In a Redis Cluster one XREAD may only cover one hash slot: streams are grouped by their slot group
 * (see RedisKeys.jobGroup), with one loop, connection and wake stream per group in use.
 */
@Injectable()
export class TokenStreamReader implements OnApplicationShutdown {
  private readonly logger = new Logger(TokenStreamReader.name);
  private readonly subscriptions = new Map<string, Set<Subscription>>();
  private readonly groups = new Map<string, ReadGroup>();
  private readonly ownerId = `reader-${randomUUID()}`;
  private running = true;

  constructor(
    private readonly client: RedisClient,
    private readonly connections: RedisConnectionFactory,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    const groups = [...this.groups.values()];
    for (const group of groups) {
      group.wakeIdle?.();
      group.connection.disconnect();
    }
    await Promise.all(groups.map((group) => group.loop));
    await Promise.all(groups.map((group) => this.client.redis.del(group.wakeKey).catch(() => undefined)));
  }

  /** A group's blocking connection and loop start with its first reader, so processes that never read hold none. */
  private ensureGroup(name: string): ReadGroup {
    let group = this.groups.get(name);
    if (!group) {
      const connection = this.connections.create('gridllm-stream-reader');
      const wakeKey = this.client.keys.wake(this.ownerId, name);
      group = {
        name,
        connection,
        wakeKey,
        wakeLastId: '0',
        wakeIdle: null,
        keys: null,
        readAt: 0,
        blocked: false,
        woken: false,
        expiredAt: 0,
        loop: Promise.resolve(),
      };
      // ioredis would silently re-send the blocked XREAD after a reconnect; open streams must end instead.
      connection.on('reconnecting', () => this.failAll(name, 'lost the connection to Redis'));
      this.groups.set(name, group);
      group.loop = this.readLoop(group);
    }
    return group;
  }

  /** The read group of a stream key: everything is one group unless keys are spread over a cluster. */
  private groupOf(key: string): string {
    return this.client.keys.clustered ? hashTagOf(key) : 'grid';
  }

  /**
   * Yields a job's events from after `afterId` (default: the very start) until its terminal event,
   * or until `signal` aborts.
   */
  async *events(jobId: string, afterId = '0', signal?: AbortSource): AsyncGenerator<StreamEvent> {
    for await (const batch of this.batches(jobId, afterId, signal)) yield* batch;
  }

  /**
   * `events` in the batches they were read in: a relay of fast tokens awaits once per read, not once per
   * token. The last batch ends with the terminal event. A consumer that stops early (its signal aborted
   * mid-batch) just leaves the rest. With `joined`, consecutive chunk lines stored together come as one
   * event (StreamEvent.lines), except where `afterId` falls among them.
   */
  async *batches(
    jobId: string,
    afterId = '0',
    signal?: AbortSource,
    joined = false,
  ): AsyncGenerator<StreamEvent[]> {
    const subscription = this.subscribe(this.client.keys.jobStream(jobId), afterId, joined);
    const onAbort = () => subscription.notify?.();
    signal?.addEventListener('abort', onAbort);
    try {
      while (!signal?.aborted) {
        const batch = subscription.buffer;
        if (batch.length > 0) {
          subscription.buffer = [];
          const end = batch.findIndex(isTerminalEvent);
          if (end < 0) {
            yield batch;
            continue;
          }
          yield end === batch.length - 1 ? batch : batch.slice(0, end + 1);
          return;
        }
        await new Promise<void>((resolve) => (subscription.notify = resolve));
        subscription.notify = null;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.unsubscribe(subscription);
    }
  }

  private subscribe(key: string, afterId: string, joined: boolean): Subscription {
    const group = this.ensureGroup(this.groupOf(key));
    const subscription: Subscription = {
      key,
      lastId: afterId,
      buffer: [],
      notify: null,
      closed: false,
      ended: false,
      joined,
    };
    const set = this.subscriptions.get(key) ?? new Set<Subscription>();
    set.add(subscription);
    this.subscriptions.set(key, set);
    group.keys = null;
    this.wake(group);
    return subscription;
  }

  private unsubscribe(subscription: Subscription): void {
    subscription.closed = true;
    const set = this.subscriptions.get(subscription.key);
    set?.delete(subscription);
    if (set?.size === 0) this.subscriptions.delete(subscription.key);
    this.forgetKeys(subscription.key);
  }

  private forgetKeys(key: string): void {
    const group = this.groups.get(this.groupOf(key));
    if (group) group.keys = null;
  }

  /** Ends every open read of a group with a terminal error event (the relay turns it into an error line or a 503). */
  private failAll(group: string, message: string): void {
    const data = JSON.stringify({ error: message, status: 503 });
    for (const [key, subscriptions] of this.subscriptions) {
      if (this.groupOf(key) !== group) continue;
      for (const subscription of subscriptions) {
        subscription.buffer.push({ id: subscription.lastId, type: StreamEventType.Error, attempt: 0, data });
        subscription.notify?.();
      }
    }
  }

  /**
   * Makes the loop read a new key. Only a blocked XREAD needs the wake stream: an idle loop, or one
   * between reads, lists the keys afresh before its next XREAD (one command fewer per request). Jobs
   * arriving together share one wake: at hundreds of arrivals a second, a command each was garbage.
   */
  private wake(group: ReadGroup): void {
    group.wakeIdle?.();
    if (!group.blocked || group.woken) return;
    group.woken = true;
    // Plain commands, not an ioredis pipeline: a pipeline object defines a getter on itself, so each one
    // gets a hidden class of its own (V8), and objects like that outlive young-generation collections
    // (docs/benchmarks.md, sixteenth round); under load the gateway wakes hundreds of times a second. They
    // leave in one write all the same: the connection coalesces a turn's writes.
    const { redis } = this.client;
    const writes: Array<Promise<unknown>> = [redis.xadd(group.wakeKey, 'MAXLEN', '~', 10, '*', 'w', '1')];
    // The TTL only bounds a stream left behind by a crashed gateway: refreshing it now and then is enough.
    if (Date.now() - group.expiredAt > (WAKE_TTL_SECONDS * 1000) / 2) {
      group.expiredAt = Date.now();
      writes.push(redis.expire(group.wakeKey, WAKE_TTL_SECONDS));
    }
    void Promise.all(writes).catch((error: Error) => this.logger.warn(`wake failed: ${error.message}`));
  }

  private async readLoop(group: ReadGroup): Promise<void> {
    while (this.running) {
      let keys = this.keysOf(group);
      if (keys.length === 0) {
        await new Promise<void>((resolve) => (group.wakeIdle = resolve));
        group.wakeIdle = null;
        continue;
      }
      const wait = group.readAt + readSpacingMs(keys.length) - Date.now();
      if (wait > 0) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        keys = this.keysOf(group);
        if (keys.length === 0) continue;
      }
      group.readAt = Date.now();
      try {
        group.blocked = true;
        group.woken = false;
        const reply = await this.readOnce(group, keys).finally(() => (group.blocked = false));
        this.dispatch(group, reply);
      } catch (error) {
        if (!this.running) return;
        this.logger.warn(`token stream read failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /**
   * Keys with a reader still waiting for events. A stream whose terminal event was delivered is left out
   * at once, not when its reader lets go: otherwise the next XREAD blocks on it alone, and the next job's
   * subscribe has to wake it.
   */
  private keysOf(group: ReadGroup): string[] {
    if (group.keys) return group.keys;
    const keys: string[] = [];
    for (const [key, readers] of this.subscriptions) {
      if (this.groupOf(key) !== group.name) continue;
      for (const reader of readers)
        if (!reader.ended) {
          keys.push(key);
          break;
        }
    }
    group.keys = keys;
    return keys;
  }

  /** One XREAD over the wake stream and, per stream key, from the lowest position any reader needs. */
  private async readOnce(group: ReadGroup, keys: string[]): Promise<XReadReply> {
    const ids = keys.map((key) => lowestId(this.subscriptions.get(key)));
    const count = Math.max(16, Math.min(256, Math.floor(ENTRIES_PER_READ / keys.length)));
    const args = ['COUNT', count, 'BLOCK', BLOCK_MS, 'STREAMS', group.wakeKey, ...keys];
    return (await group.connection.call('XREAD', ...args, group.wakeLastId, ...ids)) as XReadReply;
  }

  private dispatch(group: ReadGroup, reply: XReadReply): void {
    for (const [key, entries] of reply ?? []) {
      if (key === group.wakeKey) {
        group.wakeLastId = entries[entries.length - 1]?.[0] ?? group.wakeLastId;
        continue;
      }
      for (const subscription of this.subscriptions.get(key) ?? []) this.deliver(subscription, entries);
    }
  }

  private deliver(subscription: Subscription, entries: Array<[string, string[]]>): void {
    for (const [id, fields] of entries) {
      const after = subscription.lastId;
      if (compareIds(id, after) <= 0) continue;
      subscription.lastId = id;
      for (const event of decodeEntry(id, fields, subscription.joined)) {
        if (compareIds(event.id, after) <= 0) continue;
        // An entry of several chunk lines may start at or before the line a resuming reader asked to follow.
        if (event.lines && compareIds(firstLineId(event), after) <= 0) {
          for (const line of splitLines(event))
            if (compareIds(line.id, after) > 0) subscription.buffer.push(line);
          continue;
        }
        subscription.buffer.push(event);
        if (!subscription.ended && isTerminalEvent(event)) {
          subscription.ended = true;
          this.forgetKeys(subscription.key);
        }
      }
    }
    subscription.notify?.();
  }
}

/** How long after the previous XREAD the next may go, for `streams` open streams (see MAX_SPACING_MS). */
export function readSpacingMs(streams: number): number {
  if (streams <= SPACING_FREE_STREAMS) return 0;
  return Math.min(MAX_SPACING_MS, Math.ceil(streams / STREAMS_PER_SPACING_MS));
}

/** Compares Redis stream ids `ms-seq` numerically (twice per relayed token: no split, no garbage). */
export function compareIds(a: string, b: string): number {
  const aDash = a.indexOf('-');
  const bDash = b.indexOf('-');
  const aMs = Number(aDash < 0 ? a : a.slice(0, aDash));
  const bMs = Number(bDash < 0 ? b : b.slice(0, bDash));
  if (aMs !== bMs) return aMs - bMs;
  return (aDash < 0 ? 0 : Number(a.slice(aDash + 1))) - (bDash < 0 ? 0 : Number(b.slice(bDash + 1)));
}

function lowestId(readers: Set<Subscription> | undefined): string {
  let lowest: string | null = null;
  for (const { lastId } of readers ?? [])
    if (lowest === null || compareIds(lastId, lowest) < 0) lowest = lastId;
  return lowest ?? '0';
}
