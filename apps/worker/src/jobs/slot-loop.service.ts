import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { appConfig, queueConfig, redisConfig, workerConfig } from '@gridllm/config';
import { withLogIds } from '@gridllm/logging';
import { RedisClient } from '@gridllm/redis';
import { JobSource, TakenJob } from '@gridllm/scheduler';
import { StreamOwnership } from '@gridllm/streaming';

import { AbortReason } from './abort-reason';
import { infoLinesOn } from './info-lines';
import { jobLogIds } from './job-log-ids';
import { JobRunner } from './job-runner.service';
import { OwnerAbsence } from './owner-absence';

const IDLE_WAIT_MS = 5000;
const ERROR_BACKOFF_MS = 500;
/** Most jobs taken at once when several slots are free. */
const INTAKE_BATCH = 4;
/** Heartbeats a job's gateway may be missing from Redis before its jobs are cancelled. */
const OWNER_GRACE_BEATS = 5;
/**
 * The same behind Sentinel or in a Cluster: a failover takes 6–14 s (docs/deployment.md), longer than
 * the presence key's TTL, and the gateway may reach the new master after the worker does.
 */
const OWNER_GRACE_BEATS_HA = 15;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The one place that takes jobs (ARCHITECTURE "Queue layout"): fills free slots one job at a time, never
 * more than MAX_CONCURRENT_TASKS across all models, and sleeps on the queues' markers when all are empty.
 * It also renews the locks of running jobs (manual mode) and notices cancellations missed by pub/sub.
 */
@Injectable()
export class SlotLoop {
  private readonly logger = new Logger(SlotLoop.name);
  private readonly running = new Map<string, TakenJob>();
  private loop: Promise<void> | null = null;
  private lockTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private paused = false;
  private announcedFree = true;
  private slotFreed: (() => void) | null = null;
  private readonly ownerAbsence: OwnerAbsence;
  private readonly infoLines: boolean;

  constructor(
    private readonly source: JobSource,
    private readonly runner: JobRunner,
    private readonly ownership: StreamOwnership,
    private readonly client: RedisClient,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
    @Inject(redisConfig.KEY) redis: ConfigType<typeof redisConfig>,
    @Inject(appConfig.KEY) app: ConfigType<typeof appConfig>,
  ) {
    this.infoLines = infoLinesOn(app.logLevel);
    const beats = redis.topology.mode === 'standalone' ? OWNER_GRACE_BEATS : OWNER_GRACE_BEATS_HA;
    this.ownerAbsence = new OwnerAbsence(queue.heartbeatIntervalMs * beats);
  }

  get runningJobs(): number {
    return this.running.size;
  }

  get slots(): number {
    return this.worker.slots;
  }

  /** Cordon: take no new jobs; running ones finish. */
  pause(): void {
    this.paused = true;
    this.announcedFree = false; // withdrawn below: the next free slot after resume is announced again
    void this.source.withdrawAvailability().catch(() => undefined);
    // A sleeping loop may have a take queued behind its sleep: end the sleep now, before a job's marker does.
    this.source.wake();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.announceFreeSlots();
    this.slotFreed?.();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  start(): void {
    if (this.loop) return;
    this.lockTimer = setInterval(() => void this.renewLocks(), Math.floor(this.queue.lockDurationMs / 2));
    this.loop = this.fillSlots();
  }

  /** Stops taking jobs, waits up to `timeoutMs` for running ones, then hands the rest back. */
  async drain(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.source.wake();
    this.slotFreed?.();
    await this.loop;
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0 && Date.now() < deadline) await this.nextSlotFree(deadline - Date.now());
    for (const taken of this.running.values()) this.runner.abort(taken.job.data.id, AbortReason.HandBack);
    while (this.running.size > 0) await this.nextSlotFree(1000);
    if (this.lockTimer) clearInterval(this.lockTimer);
  }

  private async fillSlots(): Promise<void> {
    let preferred: string | null = null;
    let backlog = 0;
    // False right after a take that rode behind the sleep answered for the queue (see below).
    let takeFirst = true;
    while (!this.stopping) {
      if (this.paused || this.running.size >= this.worker.slots) {
        await this.nextSlotFree(IDLE_WAIT_MS);
        takeFirst = true;
        continue;
      }
      try {
        if (takeFirst) {
          // While jobs wait (the backlog seen after the last take), several free slots are filled with
          // parallel takes: one round trip each would leave slots idle. Otherwise one take, so a lone
          // request pays for one. Never more takes than free slots, so the cap holds.
          const free = this.worker.slots - this.running.size;
          const takes = Math.max(1, Math.min(free, INTAKE_BATCH, backlog));
          const taken = await Promise.all(
            Array.from({ length: takes }, () => this.source.takeNext(preferred, true)),
          );
          preferred = null;
          const jobs = taken.filter((job): job is TakenJob => job !== null);
          jobs.forEach((job) => this.launch(job));
          backlog = this.source.backlogAfterTake(jobs);
          // Taking again while nothing waits would only cost an empty take: sleep on the markers,
          // but only with a slot free (else a marker popped now would be a wake-up no other worker gets).
          if (backlog > 0 || this.running.size >= this.worker.slots) continue;
          if (this.stopping) break;
        }
        // The sleep. Where it can, the source sends the take for one free slot right behind it, and a job
        // it takes so is this slot's (the loop slept with the slot free, and nothing else takes meanwhile).
        // Armed two turns later: the job just launched reaches its engine first, instead of waiting behind the
        // next take's preparation. Its promise chain runs before the first turn ends; the engine client then
        // sends on a reused socket one turn later (undici yields once, so that a close the engine sent while
        // the socket sat idle is seen before the request goes out).
        await nextTurn();
        await nextTurn();
        if (this.stopping) break;
        const woken = await this.source.waitForWorkOrTake(IDLE_WAIT_MS);
        preferred = woken.model;
        if (woken.taken) this.launchOrHandBack(woken.taken);
        backlog = woken.taken?.backlog ?? 0;
        // That take settled the queue (a job taken, or none waiting): sleep again unless jobs are left.
        takeFirst = !woken.answered || backlog > 0;
      } catch (error) {
        if (this.stopping) break;
        this.logger.warn(`taking a job failed: ${(error as Error).message}`);
        await sleep(ERROR_BACKOFF_MS);
      }
    }
  }

  /**
   * Runs a job the take behind the sleep locked, unless the sleep ended with a cordon, a drain or the
   * model gone (an engine found unreachable): then the run starts handed back, and the job returns to the
   * front of its queue without reaching the engine (the run's HandBack path).
   */
  private launchOrHandBack(taken: TakenJob): void {
    this.launch(taken);
    if (this.paused || this.stopping || !this.source.models.includes(taken.model))
      this.runner.abort(taken.job.data.id, AbortReason.HandBack);
  }

  private launch(taken: TakenJob): void {
    const { id: jobId } = taken.job.data;
    // By lock token: a job whose lock lapsed can be taken again here while its first run still goes on.
    this.running.set(taken.token, taken);
    this.announceFreeSlots();
    // The run sends its first command before its first await: the line is written while that is on its way.
    const run = this.runner.run(taken);
    if (this.infoLines)
      this.logger.log(
        withLogIds(
          `job ${jobId}: started (${taken.model}, ${this.running.size}/${this.worker.slots} slots)`,
          jobLogIds(taken.job.data, this.worker.workerId),
        ),
      );
    void run.finally(() => {
      this.running.delete(taken.token);
      this.announceFreeSlots();
      this.slotFreed?.();
    });
  }

  /**
   * Keeps the availability board exact: the board only records whether a slot is free, so it is
   * written when that flips (full ↔ not full); heartbeats refresh it in between.
   */
  private announceFreeSlots(): void {
    const hasFree = this.running.size < this.worker.slots;
    if (this.paused || this.stopping || hasFree === this.announcedFree) return;
    this.announcedFree = hasFree;
    void this.source.publishAvailability(this.worker.slots - this.running.size).catch(() => undefined);
  }

  private nextSlotFree(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, timeoutMs));
      this.slotFreed = () => {
        clearTimeout(timer);
        this.slotFreed = null;
        resolve();
      };
    });
  }

  /**
   * Manual-mode BullMQ: locks of running jobs are ours to renew, on this timer alone (never tied to a
   * job's progress). A lapsed lock may have gone to another worker, which waits while our run still owns
   * the job's stream; losing that ownership (the fence) means another run has the job: stop ours.
   */
  private async renewLocks(): Promise<void> {
    const running = [...this.running.values()];
    if (running.length === 0) return;
    try {
      const [fencedOut, lockGone] = await Promise.all([
        this.ownership.renew(this.runner.ownedRuns()),
        this.source.extendLocks(running),
      ]);
      for (const jobId of fencedOut) this.runner.ownerKeyLost(jobId);
      for (const jobId of lockGone) this.runner.lockMovedAway(jobId);
      const { redis, keys } = this.client;
      // One GET per job, not MGET: in a Redis Cluster the jobs' flags live in different hash slots.
      const flags = await Promise.all(running.map((taken) => redis.get(keys.jobCancel(taken.job.data.id))));
      running.forEach(
        (taken, index) => flags[index] && this.runner.abort(taken.job.data.id, AbortReason.Cancelled),
      );
      // A job whose gateway died has no client left to read it: free the slot.
      const owners = running.map((taken) => taken.job.data.ownerGatewayId);
      const alive = await redis.mget(owners.map((owner) => keys.gateway(owner ?? '-')));
      running.forEach((taken, index) => {
        const owner = owners[index];
        if (owner && this.ownerAbsence.gone(owner, Boolean(alive[index])))
          this.runner.abort(taken.job.data.id, AbortReason.Cancelled);
      });
      this.ownerAbsence.retain(new Set(owners.filter((owner): owner is string => Boolean(owner))));
    } catch (error) {
      this.logger.warn(`lock renewal failed: ${(error as Error).message}`);
    }
  }
}
