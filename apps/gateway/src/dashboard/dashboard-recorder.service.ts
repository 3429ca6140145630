import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { gatewayConfig } from '@gridllm/config';
import { BULLMQ_PRIORITY, JOB_PRIORITIES } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';
import { WorkerRegistry } from '@gridllm/registry';
import { JobSchedulerService } from '@gridllm/scheduler';

import type { FinishedJob, LiveGrid, RunningJob } from './dashboard-frame';
import { finishedRecord } from './finished-record';
import { GridSampler, ModelSample } from './grid-sampler';
import { GridTally } from './grid-tally';

/** How often the picture is taken: the dashboard promises changes within a second. */
export const RECORD_INTERVAL_MS = 1000;
/** The lease outlives a few missed ticks, so a slow tick does not hand recording to another gateway. */
const LEASE_MS = 4000;
/** The live key expires when no gateway records: readers then see no picture rather than an old one. */
const LIVE_TTL_MS = 5000;
export const SERIES_SPAN_MS = 15 * 60_000;
export const FINISHED_KEPT = 300;
/** Finished jobs whose records one round trip reads (see finishedOf). */
const FINISHED_READ_BATCH = 50;

/**
 * One gateway of the grid (whichever holds the lease) samples the queues, jobs and workers every second
 * and writes the dashboard's data to Redis: the live picture, one series point, the newly finished jobs.
 * One writer means no count is doubled, and every replica's dashboard reads the same numbers.
 */
@Injectable()
export class DashboardRecorder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DashboardRecorder.name);
  private tally = new GridTally();
  private leading = false;
  private since = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /**
   * Running jobs once their worker is known: what does not change while a job runs is read once, and
   * each tick only updates `tokens` in place (a new object per job and tick was the recorder's biggest
   * garbage with 1,000 jobs running; a tick's objects outlive young-generation collections).
   */
  private readonly runningJobs = new Map<string, RunningJob>();

  constructor(
    private readonly client: RedisClient,
    private readonly sampler: GridSampler,
    private readonly registry: WorkerRegistry,
    private readonly scheduler: JobSchedulerService,
    @Inject(gatewayConfig.KEY) private readonly gateway: ConfigType<typeof gatewayConfig>,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** One round: renew (or take) the lease, and record when this gateway holds it. */
  async tick(now = Date.now()): Promise<void> {
    if (!(await this.holdLease())) {
      this.leading = false;
      return;
    }
    if (!this.leading) await this.takeOver(now);
    this.leading = true;
    await this.record(now);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.tick(started)
        .catch((error: unknown) => this.logger.warn(`dashboard recording: ${(error as Error).message}`))
        .finally(() => this.schedule(Math.max(0, RECORD_INTERVAL_MS - (Date.now() - started))));
    }, delayMs);
    this.timer.unref();
  }

  private async holdLease(): Promise<boolean> {
    const { redis, keys } = this.client;
    const me = this.gateway.serverId;
    if ((await redis.set(keys.dashboardRecorder(), me, 'PX', LEASE_MS, 'NX')) === 'OK') return true;
    if ((await redis.get(keys.dashboardRecorder())) !== me) return false;
    await redis.pexpire(keys.dashboardRecorder(), LEASE_MS);
    return true;
  }

  /** Continues after the newest job the previous recorder listed, with fresh counts. */
  private async takeOver(now: number): Promise<void> {
    const newest = await this.client.redis.lindex(this.client.keys.dashboardFinished(), 0);
    const at = newest ? (JSON.parse(newest) as FinishedJob).finishedAt : 0;
    this.since = Math.max(at, now - 2 * RECORD_INTERVAL_MS);
    this.tally = new GridTally();
    this.runningJobs.clear();
    this.logger.log('recording the dashboard data for the grid');
  }

  private async record(now: number): Promise<void> {
    const [workers, models] = await Promise.all([this.registry.liveWorkers(), this.scheduler.knownModels()]);
    const samples = await Promise.all(models.map((model) => this.sampler.model(model, this.since)));
    const running = (await Promise.all(samples.map((sample) => this.runningOf(sample)))).flat();
    const finished = (await Promise.all(samples.map((sample) => this.finishedOf(sample)))).flat();
    this.tally.observeRunning(running, now);
    for (const job of finished) this.tally.observeFinished(job, now);
    const runningIds = new Set(running.map((job) => job.id));
    this.tally.retain(runningIds);
    for (const id of this.runningJobs.keys()) if (!runningIds.has(id)) this.runningJobs.delete(id);
    this.since = finished.reduce((latest, job) => Math.max(latest, job.finishedAt), this.since);
    const queued = samples.reduce((sum, s) => sum + JOB_PRIORITIES.reduce((n, p) => n + s.waiting[p], 0), 0);
    const live: LiveGrid = {
      at: now,
      workers: this.tally.fleet(workers, running, now),
      queues: this.tally.queues(samples, workers, running, now),
      running,
      newestFinishedId: null,
    };
    await this.write(live, finished, this.tally.point(now, queued), now);
  }

  private async write(live: LiveGrid, finished: FinishedJob[], point: object, now: number): Promise<void> {
    const { redis, keys } = this.client;
    if (finished.length > 0) {
      // Oldest first, so the list's head is the newest job; only what the list keeps.
      const kept = finished.sort((a, b) => a.finishedAt - b.finishedAt).slice(-FINISHED_KEPT);
      await redis.lpush(keys.dashboardFinished(), ...kept.map((job) => JSON.stringify(job)));
      await redis.ltrim(keys.dashboardFinished(), 0, FINISHED_KEPT - 1);
    }
    const newest = await redis.lindex(keys.dashboardFinished(), 0);
    live.newestFinishedId = newest ? (JSON.parse(newest) as FinishedJob).id : null;
    await Promise.all([
      redis.set(keys.dashboardLive(), JSON.stringify(live), 'PX', LIVE_TTL_MS),
      redis.xadd(
        keys.dashboardSeries(),
        'MINID',
        '~',
        String(now - SERIES_SPAN_MS),
        '*',
        'p',
        JSON.stringify(point),
      ),
    ]);
  }

  /**
   * Runs every second over every running job: the known ones take no promise or object of their own
   * (their line counts are read in a few script calls), so a tick's garbage stays small however many
   * jobs run.
   */
  private async runningOf(sample: ModelSample): Promise<RunningJob[]> {
    const { model, activeIds } = sample;
    const [lines, unknown] = await Promise.all([
      this.sampler.linesStreamed(activeIds),
      Promise.all(activeIds.filter((id) => !this.runningJobs.has(id)).map((id) => this.jobOf(model, id))),
    ]);
    const fresh = new Map(unknown.flatMap((job) => (job ? [[job.id, job] as const] : [])));
    const jobs: RunningJob[] = [];
    activeIds.forEach((id, index) => {
      const job = this.runningJobs.get(id) ?? fresh.get(id);
      if (!job) return;
      job.tokens = lines[index];
      jobs.push(job);
    });
    return jobs;
  }

  private async jobOf(model: string, id: string): Promise<RunningJob | null> {
    const record = await this.sampler.job(model, id);
    if (!record.data) return null;
    const job: RunningJob = {
      id,
      model,
      kind: record.data.kind,
      priority:
        JOB_PRIORITIES.find((p) => BULLMQ_PRIORITY[p] === record.bullPriority) ?? record.data.priority,
      workerId: record.processedBy ?? (await this.sampler.startedBy(id)),
      ownerId: record.data.ownerId ?? null,
      submittedAt: record.data.submittedAt,
      startedAt: record.processedOn ?? record.data.submittedAt,
      tokens: 0, // last, as the live JSON has always listed it
    };
    // A job taken a moment ago may not name its worker yet: read it again next time.
    if (job.workerId) this.runningJobs.set(id, job);
    return job;
  }

  /**
   * The records of the jobs that finished since the last tick, read FINISHED_READ_BATCH at a time: each batch
   * is one round trip, and requests are served between them. Read all at once, a busy second's jobs (hundreds)
   * were one burst of the gateway's CPU, and the requests that met it made the latency's tail.
   */
  private async finishedOf(sample: ModelSample): Promise<FinishedJob[]> {
    const jobs: FinishedJob[] = [];
    for (let start = 0; start < sample.finished.length; start += FINISHED_READ_BATCH) {
      const batch = sample.finished.slice(start, start + FINISHED_READ_BATCH);
      jobs.push(...(await Promise.all(batch.map((entry) => this.finishedJob(sample.model, entry)))));
    }
    return jobs;
  }

  private async finishedJob(
    model: string,
    { id, at, failed }: ModelSample['finished'][number],
  ): Promise<FinishedJob> {
    const [record, last] = await Promise.all([
      this.sampler.job(model, id),
      failed ? this.sampler.lastEvent(id) : Promise.resolve(null),
    ]);
    // A failed job has no result naming its worker: its record does, or else its stream's `started` event.
    const startedBy = failed && !record.processedBy ? await this.sampler.startedBy(id) : null;
    // A job an older worker completed has no summary: its whole result stands in.
    const returnvalue =
      failed || record.returnvalue ? record.returnvalue : await this.sampler.result(model, id);
    const named = { ...record, returnvalue, processedBy: record.processedBy ?? startedBy };
    return finishedRecord(id, model, named, failed, last, at);
  }
}
