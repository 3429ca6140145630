import { RedisClient } from '@gridllm/redis';

/** Recent run times kept per model (the dashboard's queue figures read them). */
export const DURATION_SAMPLES = 50;

/** How often at most a worker writes its run times: the dashboard samples once a second. */
export const DURATION_FLUSH_MS = 1000;

/**
 * The run times of the jobs a worker completed (queue ETAs and the dashboard read them). A run time goes to
 * Redis at once when nothing was written in the last second; under load, a second's worth goes together,
 * per model one LPUSH of them all and one LTRIM, not two commands per job (issue 15). Newest first, as one
 * LPUSH per job left them.
 */
export class DurationSamples {
  private pending = new Map<string, number[]>();
  private timer: NodeJS.Timeout | null = null;
  private writtenAt = 0;

  constructor(
    private readonly client: RedisClient,
    private readonly flushMs = DURATION_FLUSH_MS,
  ) {}

  record(model: string, ranMs: number): void {
    const samples = this.pending.get(model) ?? [];
    samples.push(ranMs);
    this.pending.set(model, samples);
    if (this.timer) return;
    const wait = this.writtenAt + this.flushMs - Date.now();
    if (wait <= 0) {
      void this.flush();
      return;
    }
    this.timer = setTimeout(() => void this.flush(), wait);
    this.timer.unref();
  }

  /** Writes what was recorded; best effort (a lost sample only thins the dashboard's figures). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size === 0) return;
    this.writtenAt = Date.now();
    const pipeline = this.client.redis.pipeline();
    for (const [model, samples] of batch) {
      const key = this.client.keys.jobDurations(model);
      pipeline.lpush(key, ...samples.slice(-DURATION_SAMPLES)).ltrim(key, 0, DURATION_SAMPLES - 1);
    }
    await pipeline.exec().catch(() => undefined);
  }
}
