import { RedisClient, RedisConnection, RedisConnectionFactory, hashTagOf } from '@gridllm/redis';

/**
 * The slot loop's sleep: BZPOPMIN over the markers of every queue it serves plus a wake key. On one
 * server (or a Sentinel master) that is one command. In a Redis Cluster a blocking command covers one
 * hash slot, so there is one BZPOPMIN per slot group (each on its own connection, at most SLOT_GROUPS):
 * when the first returns, the others are woken, and markers they popped as well are put back so that
 * queue's next taker still wakes (BullMQ re-adds a marker only when the queue hands out a job).
 */
export class MarkerWait {
  private readonly blocking = new Map<string, RedisConnection>();
  private watchedGroups: string[] = [];

  constructor(
    private readonly connections: RedisConnectionFactory,
    private readonly client: RedisClient,
    private readonly ownerId: string,
  ) {}

  /** Sleeps until a marker is popped (returns its key), a wake-up, or the timeout (null). */
  async wait(markers: readonly string[], timeoutMs: number): Promise<string | null> {
    const groups = this.groups(markers);
    this.watchedGroups = [...groups.keys()];
    const reads = [...groups].map(([group, keys]) =>
      this.connection(group).bzpopmin(...keys, this.wakeKey(group), timeoutMs / 1000),
    );
    if (reads.length === 1) return this.markerOf(await reads[0]);
    const first = this.markerOf(await Promise.race(reads));
    this.wake();
    const popped = (await Promise.allSettled(reads)).flatMap((read) =>
      read.status === 'fulfilled' && this.markerOf(read.value) ? [this.markerOf(read.value) as string] : [],
    );
    const chosen = first ?? popped[0] ?? null;
    const extra = popped.filter((key) => key !== chosen);
    await Promise.all(extra.map((key) => this.client.redis.zadd(key, 0, '0')));
    // Wake members left behind would end the next sleep at once.
    await Promise.all(this.watchedGroups.map((group) => this.client.redis.del(this.wakeKey(group))));
    return chosen;
  }

  /**
   * `wait` on one marker with `next` sent right behind the BZPOPMIN, on the same connection and in the same
   * write: Redis runs it the moment the sleep ends (the marker popped, a wake-up or the timeout), with no
   * round trip back to this process in between.
   */
  async waitThen<T>(
    marker: string,
    timeoutMs: number,
    next: (connection: RedisConnection) => Promise<T>,
  ): Promise<{ popped: string | null; next: T }> {
    const [[group, keys]] = this.groups([marker]);
    this.watchedGroups = [group];
    const connection = this.connection(group);
    const read = connection.bzpopmin(...keys, this.wakeKey(group), timeoutMs / 1000);
    const [reply, result] = await Promise.all([read, next(connection)]);
    return { popped: this.markerOf(reply), next: result };
  }

  /** Makes a sleeping `wait` return now. */
  wake(): void {
    for (const group of this.watchedGroups.length > 0 ? this.watchedGroups : [GRID_GROUP]) {
      void this.client.redis.zadd(this.wakeKey(group), 0, 'wake').catch(() => undefined);
    }
  }

  close(): Promise<void> {
    for (const connection of this.blocking.values()) connection.disconnect();
    this.blocking.clear();
    const groups = this.watchedGroups.length > 0 ? this.watchedGroups : [GRID_GROUP];
    return Promise.all(groups.map((group) => this.client.redis.del(this.wakeKey(group)))).then(
      () => undefined,
      () => undefined,
    );
  }

  /** One group on a single server; in a cluster, one per hash tag (the wake key alone when idle). */
  private groups(markers: readonly string[]): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const key of markers) {
      const group = this.client.keys.clustered ? hashTagOf(key) : GRID_GROUP;
      groups.set(group, [...(groups.get(group) ?? []), key]);
    }
    if (groups.size === 0) groups.set(GRID_GROUP, []);
    return groups;
  }

  private connection(group: string): RedisConnection {
    let connection = this.blocking.get(group);
    if (!connection) {
      connection = this.connections.create('gridllm-marker-wait');
      this.blocking.set(group, connection);
    }
    return connection;
  }

  private wakeKey(group: string): string {
    return this.client.keys.wake(this.ownerId, group);
  }

  private markerOf(reply: [string, string, string] | null): string | null {
    return reply && !this.watchedGroups.some((group) => this.wakeKey(group) === reply[0]) ? reply[0] : null;
  }
}

const GRID_GROUP = 'grid';
