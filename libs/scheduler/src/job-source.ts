import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { BackendFactory, KeysMap, QueueKeys, RedisQueueBackend, Worker, createRedisBackend } from 'bullmq';
import { randomUUID } from 'node:crypto';

import { queueConfig, redisConfig, workerConfig } from '@gridllm/config';
import { InferenceJobData, InferenceJobResult } from '@gridllm/contracts';
import { RedisClient, RedisConnection, RedisConnectionFactory } from '@gridllm/redis';
import { MISSED_BEATS_BEFORE_GONE } from '@gridllm/registry';
import { FinalRoute, TakenRunEntry, newRunFence, runEntryArgs } from '@gridllm/streaming';

import { AffinityStore } from './affinity/affinity-store';
import { ResidentPrefixes } from './affinity/resident-prefixes';
import { AvailabilityBoard } from './availability-board';
import { DurationSamples } from './duration-samples';
import { JobFinish } from './job-finish';
import { LeavingModels } from './leaving-models';
import { InferenceJob, JobTake, TakeReply, TakeRequest } from './job-take';
import { WorkerStanding, placementClass } from './placement-policy';
import { queueNameFor } from './queue-names';
import { MarkerWait } from './marker-wait';
import { queueOrder } from './queue-order';

export type { InferenceJob } from './job-take';

/** A job this worker has locked; `token` proves the lock to BullMQ. */
export interface TakenJob {
  job: InferenceJob;
  token: string;
  model: string;
  /** Jobs the model's queue still held right after this take, counted up to MAX_REPORTED_BACKLOG. */
  backlog?: number;
  /** The run as the take entered it (`takeNext(…, true)` on a standalone Redis); see RunGuard. */
  entry?: TakenRunEntry;
  /** The job's reader takes a quick merged answer as one stream entry (ONE_ANSWER_ENTRY). */
  oneAnswerEntry?: boolean;
}

/** A job's completion riding with its final line (JobSource.completionAfterFinal). */
export interface CompletionAfterFinal {
  route: FinalRoute;
  recorded: Promise<void>;
}

/** How a sleep for work ended (JobSource.waitForWorkOrTake). */
export interface WokenForWork {
  /** The model whose queue ended the sleep; null after the timeout or a wake-up. */
  model: string | null;
  /** A job the take behind the sleep locked into the free slot the loop slept for: the caller must run it. */
  taken: TakenJob | null;
  /** The take behind the sleep settled the queue (a job taken, or none waiting): no take is due before the next sleep unless jobs are left. */
  answered: boolean;
}

/** Asked before a cold worker takes a job: true when it loads the model ahead instead (see WarmAhead). */
export type WarmGate = (model: string) => Promise<boolean>;

/** How many times a job may be found stalled (its worker died) and put back, before it fails. */
const MAX_STALLED_COUNT = 3;

/** How soon a worker looks again at a head job it left to its preferred worker (which should take it in ms). */
const PREFERENCE_RETRY_MS = 25;

/**
 * Worker side of the queues (see ARCHITECTURE "Queue layout"): one manual-mode BullMQ Worker per model
 * the machine serves, no processor, no per-queue concurrency. The slot loop asks for exactly one job per
 * free slot with `takeNext`, and sleeps in `waitForWork` on one BZPOPMIN over every queue's marker.
 */
@Injectable()
export class JobSource implements OnApplicationShutdown {
  private readonly logger = new Logger(JobSource.name);
  private readonly consumers = new Map<string, Consumer>();
  private readonly markerWait: MarkerWait;
  /** Take script runners by connection: the consumers' shared one, and the sleep's (a take behind it). */
  private readonly takers = new WeakMap<RedisConnection, JobTake>();
  private finisher: JobFinish | null = null;
  private shared: RedisConnection | null = null;
  private active: string[] = [];
  /** setModels calls so far: one that opened consumers applies only if no other call came meanwhile. */
  private modelCalls = 0;
  /** Models that left the engine while jobs could still be admitted for them on this worker's claim. */
  private readonly leaving: LeavingModels;
  private standings = new Map<string, WorkerStanding>();
  /** Models whose head job this worker left to a better worker, until when. */
  private readonly deferred = new Map<string, number>();
  private cursor = 0;
  private warmGate: WarmGate | null = null;
  /** The prompts this worker's engine holds, one per slot (affinity forgets what it evicts). */
  private readonly resident: ResidentPrefixes;
  private readonly durations: DurationSamples;

  constructor(
    private readonly connections: RedisConnectionFactory,
    private readonly client: RedisClient,
    private readonly board: AvailabilityBoard,
    @Inject(redisConfig.KEY) private readonly redis: ConfigType<typeof redisConfig>,
    @Inject(queueConfig.KEY) private readonly queue: ConfigType<typeof queueConfig>,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
    private readonly affinity: AffinityStore,
  ) {
    this.markerWait = new MarkerWait(connections, client, `worker-${this.worker.workerId}-${randomUUID()}`);
    this.resident = new ResidentPrefixes(this.worker.slots);
    this.durations = new DurationSamples(client);
    this.leaving = new LeavingModels(this.queue.heartbeatIntervalMs * MISSED_BEATS_BEFORE_GONE);
  }

  get models(): readonly string[] {
    return this.active;
  }

  /**
   * Serve exactly these (normalised) models from now on. Consumers of dropped models stay open for running
   * jobs. With `finishAdmitted` (the engine answered without them), dropped models are leaving: their
   * queues are still taken from for the jobs admitted on this worker's claim (see LeavingModels), unless
   * another worker claims the model (`servedElsewhere`). Without it (the engine unreachable), no job is
   * taken, a leaving model's included: they stay queued for another worker or the engine's return.
   */
  async setModels(models: readonly string[], options: { finishAdmitted?: boolean } = {}): Promise<void> {
    const call = ++this.modelCalls;
    const wanted = [...new Set(models)].sort();
    // Before any await: a call running meanwhile (the engine found unreachable) must not hide what this drops.
    const dropped = this.active.filter((model) => !wanted.includes(model));
    for (const model of wanted) {
      if (!this.consumers.has(model)) this.consumers.set(model, await this.openConsumer(model));
    }
    // A later call decided while this one opened consumers (a refresh's new model, then the engine found
    // unreachable and the intake shut): the later word stands, or the intake would open again.
    if (call !== this.modelCalls) return;
    this.leaving.update(wanted, dropped, options.finishAdmitted ?? false);
    const changed = wanted.join('\n') !== this.active.join('\n');
    this.active = wanted;
    if (changed) this.wake();
  }

  /** The heartbeat expired this worker's claims on `models` (see LeavingModels). */
  claimsWithdrawn(models: readonly string[]): void {
    this.leaving.claimsWithdrawn(models);
  }

  /** The queues the slot loop takes from and sleeps on: the served models, then the leaving ones. */
  private get intake(): string[] {
    const leaving = this.leaving.models;
    return leaving.length === 0 ? this.active : [...this.active, ...leaving];
  }

  /**
   * A leaving model's jobs belong to another worker while one claims it (only this engine lost the model):
   * they and the marker are left to it, and once the model's end has come it is not taken from here again.
   * Asked only while a model is leaving, before each take of it.
   */
  private async servedElsewhere(model: string): Promise<boolean> {
    const now = Date.now();
    const claimants = await this.client.redis.zrangebyscore(
      this.client.keys.modelWorkers(model),
      now,
      '+inf',
      'LIMIT',
      0,
      2,
    );
    if (!claimants.some((id) => id !== this.worker.workerId)) return false;
    this.leaving.endIfDue(model);
    await this.leave(model, this.queue.heartbeatIntervalMs);
    return true;
  }

  /** How this worker stands for each model (warm or cold, tier): decides when it leaves a job to a better worker. */
  setStanding(standings: ReadonlyMap<string, WorkerStanding>): void {
    this.standings = new Map(standings);
  }

  /** Publishes this worker's free slots on the availability board (on every slot change and heartbeat). */
  async publishAvailability(freeSlots: number): Promise<void> {
    const entries = this.active.map((model) => ({
      model,
      placementClass: placementClass(this.standingFor(model)),
      freeSlots,
    }));
    await this.board.publish(this.worker.workerId, entries, this.queue.heartbeatIntervalMs * 2);
  }

  async withdrawAvailability(): Promise<void> {
    await this.board.withdraw(this.worker.workerId, this.active);
  }

  /**
   * Locks the next job for one free slot, trying `preferred` first; null when every queue is empty. With
   * `enterRun` (and a standalone Redis: in a Cluster the run's keys live in other slots) the same trip also
   * enters the job's run and stores its `started` event (TakenJob.entry), so the run goes to its engine next.
   */
  async takeNext(preferred: string | null = null, enterRun = false): Promise<TakenJob | null> {
    const order = queueOrder(this.intake, preferred, this.cursor++);
    for (const model of order) {
      const consumer = this.consumers.get(model);
      if (!consumer || (this.deferred.get(model) ?? 0) > Date.now()) continue;
      if (this.leaving.has(model) && (await this.servedElsewhere(model))) continue;
      if (await this.warmsFirst(model)) continue;
      const taken = await this.takeFrom(model, consumer, enterRun && !this.clustered);
      if (taken) return taken;
    }
    return null;
  }

  /**
   * One script run takes the model's head job unless it should be left to another worker for now (see
   * TAKE_NEXT): the one the gateway prefers for it (prefix or session affinity) while that worker has a
   * free slot, or a better-class worker with a free slot (warm first, then tier), in both cases only until
   * the job is AFFINITY_DELAY_MS old. A job left behind gets its marker back, so the other worker wakes.
   * In the common case (no preference, no better worker) that is one round trip from free slot to job.
   */
  private async takeFrom(model: string, consumer: Consumer, enterRun: boolean): Promise<TakenJob | null> {
    const cls = placementClass(this.standingFor(model));
    const request = this.takeRequest(model, consumer, cls);
    // At most three trips: a preferred worker found busy, then a young head with no better worker free.
    for (;;) {
      const reply = await this.takerOn(this.shared!).take(this.armed(request, enterRun));
      switch (reply.kind) {
        case 'empty':
          this.leaving.endIfDue(model);
          return null;
        case 'taken':
          return this.takenJob(model, request, reply);
        case 'preferred':
          if (await this.board.isFree(model, reply.workerId)) {
            const remaining = this.queue.affinityDelayMs - reply.ageMs;
            return this.leave(model, Math.min(remaining, PREFERENCE_RETRY_MS));
          }
          request.honourPreference = false;
          break;
        case 'better-free':
          return this.leave(model, this.queue.affinityDelayMs - reply.ageMs);
        case 'young':
          if (await this.board.betterWorkerFree(model, cls))
            return this.leave(model, this.queue.affinityDelayMs - reply.ageMs);
          request.betterWorkers = 'none';
          break;
      }
    }
  }

  /**
   * A first trip's take for the model's head job (see TAKE_NEXT), for a worker of placement class `cls`;
   * `armed` gives each trip its token.
   */
  private takeRequest(model: string, consumer: Consumer, cls: number): TakeRequest {
    return {
      queue: consumer,
      markerKey: this.markerKey(model),
      token: '',
      lockMs: this.queue.lockDurationMs,
      workerId: this.worker.workerId,
      affinityDelayMs: this.queue.affinityDelayMs,
      honourPreference: true,
      betterWorkers: cls === 0 ? 'none' : this.clustered ? 'ask' : this.board.keysBetterThan(model, cls),
      afterSleep: false,
    };
  }

  /** The job a take locked, as the slot loop runs it; its prompt is noted for affinity. */
  private takenJob(
    model: string,
    request: TakeRequest,
    reply: Extract<TakeReply, { kind: 'taken' }>,
  ): TakenJob {
    this.noteAffinity(model, reply.job);
    const { job, backlog, entry, oneAnswerEntry } = reply;
    return { job, token: request.token, model, backlog, entry, oneAnswerEntry };
  }

  /** A new lock token for the trip and, with `enterRun`, a new run fence to enter the taken job with. */
  private armed(request: TakeRequest, enterRun: boolean): TakeRequest {
    request.token = randomUUID();
    if (enterRun) {
      const fence = newRunFence(this.worker.workerId);
      request.entry = { fence, args: runEntryArgs(this.client.keys, fence, this.queue) };
    }
    return request;
  }

  /** Leaves the model's head job to another worker for `forMs`, and puts the marker back so it wakes. */
  private async leave(model: string, forMs: number): Promise<null> {
    this.deferred.set(model, Date.now() + forMs);
    await this.putMarkerBack(model);
    return null;
  }

  /** Wakes another worker for the model's queue: the job this one leaves is still there. */
  private async putMarkerBack(model: string): Promise<void> {
    await this.client.redis.zadd(this.markerKey(model), 0, '0');
  }

  /**
   * Jobs still waiting in the queues just taken from, as the takes saw them (each take re-adds the marker
   * for other workers while jobs wait, and clears it when none does; see TAKE_NEXT).
   */
  backlogAfterTake(taken: readonly TakenJob[]): number {
    const least = new Map<string, number>();
    for (const { model, backlog = 0 } of taken)
      least.set(model, Math.min(least.get(model) ?? backlog, backlog));
    return [...least.values()].reduce((sum, count) => sum + count, 0);
  }

  /**
   * Sleeps like waitForWork. When this worker serves one model and would take its next job at once (not
   * left to another worker for now, no warm-ahead question to ask first) on a standalone Redis, that
   * model's take (which also enters the run) is sent right behind the sleep on its connection: Redis runs it
   * the moment a job's marker wakes the sleep, so a lone request's wake-up and take are one round trip, not
   * two. Otherwise (several models, a Cluster) it sleeps, and the caller takes the usual way.
   */
  async waitForWorkOrTake(timeoutMs: number): Promise<WokenForWork> {
    const model = this.soleModelReadyToTake();
    const consumer = model ? this.consumers.get(model) : undefined;
    if (!model || !consumer || this.clustered) {
      return { model: await this.waitForWork(timeoutMs), taken: null, answered: false };
    }
    const cls = placementClass(this.standingFor(model));
    const request = this.armed(this.takeRequest(model, consumer, cls), true);
    request.afterSleep = true;
    const woken = await this.markerWait.waitThen(this.markerKey(model), timeoutMs, (connection) =>
      this.takerOn(connection).take(request),
    );
    const reply = woken.next;
    if (reply.kind === 'taken') return { model, taken: this.takenJob(model, request, reply), answered: true };
    // Left for another worker for now (preferred, better or young): the usual take decides, with the board.
    return { model: woken.popped ? model : null, taken: null, answered: reply.kind === 'empty' };
  }

  /** The one model this worker serves, when its next job would be taken without a question first (see takeNext). */
  private soleModelReadyToTake(): string | null {
    if (this.active.length !== 1 || this.intake.length !== 1) return null;
    const [model] = this.active;
    if ((this.deferred.get(model) ?? 0) > Date.now()) return null;
    const standing = this.standingFor(model);
    // A cold worker with room asks the warm gate before each take (warmsFirst).
    if (this.warmGate && !standing.warm && standing.room) return null;
    return model;
  }

  /** A take script runner on `connection` (the consumers' shared one, or a sleep's, for a take behind it). */
  private takerOn(connection: RedisConnection): JobTake {
    let taker = this.takers.get(connection);
    if (!taker) {
      taker = new JobTake(connection);
      this.takers.set(connection, taker);
    }
    return taker;
  }

  /** Sleeps until some queue of ours signals work (returns its model), a wake-up, a deferral ends, or the timeout. */
  async waitForWork(timeoutMs: number): Promise<string | null> {
    // With no models yet, only the wake key is watched: setModels() wakes us the moment models appear.
    const now = Date.now();
    const deferredEnds = [...this.deferred.values()].filter((until) => until > now);
    // A deferred queue's marker is left to the better workers (we put it back); we retry it when the delay ends.
    const watched = this.intake.filter((model) => (this.deferred.get(model) ?? 0) <= now);
    const markers = new Map(watched.map((model) => [this.markerKey(model), model]));
    const wait = Math.max(1, Math.min(timeoutMs, ...deferredEnds.map((until) => until - now)));
    const popped = await this.markerWait.wait([...markers.keys()], wait);
    return popped ? (markers.get(popped) ?? null) : null;
  }

  /** Warm ahead: set by the worker, asked before this worker takes a job into a cold load. */
  setWarmGate(gate: WarmGate | null): void {
    this.warmGate = gate;
  }

  /** Takes no job of the model until `release` (a load ahead of demand runs); others may take them. */
  hold(model: string, untilMs: number): void {
    this.deferred.set(model, untilMs);
  }

  release(model: string): void {
    this.deferred.delete(model);
    this.wake();
  }

  /** Jobs waiting for the model (BullMQ's prioritised set). */
  async waiting(model: string): Promise<number> {
    const consumer = this.consumers.get(model);
    return consumer ? this.client.redis.zcard(consumer.keys.prioritized) : 0;
  }

  /** A cold worker with room whose gate chose to warm the model: it leaves the job (and the marker) to others. */
  private async warmsFirst(model: string): Promise<boolean> {
    const standing = this.standingFor(model);
    if (!this.warmGate || standing.warm || !standing.room) return false;
    if (!(await this.warmGate(model))) return false;
    await this.putMarkerBack(model);
    return true;
  }

  /**
   * This worker now holds the job's prefix (and session): remember it for the next jobs that share them,
   * and forget the prompt whose cache its engine gives up for it (see ResidentPrefixes).
   */
  private noteAffinity(model: string, job: InferenceJob): void {
    const { affinity, id } = job.data;
    if (!affinity) return;
    const evicted = this.resident.admit(model, affinity.prefix ?? []);
    const warn = (error: Error) => this.logger.warn(`job ${id}: affinity not recorded: ${error.message}`);
    void this.affinity
      .remember(model, affinity, this.worker.workerId, this.queue.affinityTtlMs, evicted)
      .catch(warn);
  }

  private standingFor(model: string): WorkerStanding {
    return this.standings.get(model) ?? { warm: false, tier: 'low' };
  }

  /** Makes a sleeping `waitForWork` return now. */
  wake(): void {
    this.markerWait.wake();
  }

  /** Renews the locks of running jobs; returns the ids whose lock could not be renewed (lost). */
  async extendLocks(running: readonly TakenJob[]): Promise<string[]> {
    const lost: string[] = [];
    const byModel = groupBy(running, (taken) => taken.model);
    for (const [model, jobs] of byModel) {
      const consumer = this.consumers.get(model);
      if (!consumer) continue;
      const ids = jobs.map((taken) => taken.job.id ?? '');
      const failed = await consumer.extendJobLocks(
        ids,
        jobs.map((taken) => taken.token),
        this.queue.lockDurationMs,
      );
      lost.push(...failed);
    }
    return lost;
  }

  /** Records the job completed, its request dropped (one script: JobFinish), and its run time for ETAs. */
  async complete(taken: TakenJob, result: InferenceJobResult): Promise<void> {
    await this.finisherOf(taken).completed(this.keysOf(taken), taken.job, taken.token, result);
    this.recordDuration(taken);
  }

  /** The job's run time, for ETAs. */
  private recordDuration(taken: TakenJob): void {
    this.durations.record(taken.model, Date.now() - (taken.job.processedOn ?? Date.now()));
  }

  /**
   * `complete`, in the same trip as the batch holding the job's final line: `route` is that batch's way to
   * Redis (see JobStreamAppender.final), `recorded` settles once it ran, rejecting when the job could not be
   * recorded (as `complete` would). Null in a Redis Cluster, where the stream and the queue live in
   * different slots: then the final line and `complete` take a trip each.
   */
  completionAfterFinal(taken: TakenJob, result: InferenceJobResult): CompletionAfterFinal | null {
    if (this.clustered) return null;
    let settle: (error: Error | null) => void = () => undefined;
    const recorded = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    // A run that fails after its final line never awaits this: its rejection must not go unhandled.
    recorded.catch(() => undefined);
    const route: FinalRoute = async (call) => {
      try {
        const error = await this.finisherOf(taken).completedAfterFinal(
          this.keysOf(taken),
          taken.job,
          taken.token,
          result,
          call,
        );
        if (!error) this.recordDuration(taken);
        settle(error);
      } catch (error) {
        settle(error as Error);
        throw error;
      }
    };
    return { route, recorded };
  }

  /** Fails the job for good, its request dropped (one script): engine and input errors are not helped by a retry. */
  async fail(taken: TakenJob, message: string): Promise<void> {
    await this.finisherOf(taken).failed(this.keysOf(taken), taken.job, taken.token, message);
  }

  private finisherOf(taken: TakenJob): JobFinish {
    // Set with the first consumer, which the take of this job opened.
    if (!this.finisher) throw new Error(`job ${taken.job.id}: finished before any job was taken`);
    return this.finisher;
  }

  private keysOf(taken: TakenJob): KeysMap {
    return new QueueKeys(this.redis.prefix).getKeys(queueNameFor(taken.model, this.clustered));
  }

  /** Puts a job that has streamed nothing back in its queue for another worker (drain, shutdown). */
  async handBack(taken: TakenJob): Promise<void> {
    await taken.job.moveToWait(taken.token);
  }

  async onApplicationShutdown(): Promise<void> {
    void this.durations.flush();
    const markerWait = this.markerWait.close();
    await Promise.all([...this.consumers.values()].map((consumer) => consumer.close(true)));
    await markerWait;
  }

  private async openConsumer(model: string): Promise<Consumer> {
    // One connection for every model's consumer, and none of BullMQ's blocking ones (the slot loop never
    // blocks in BullMQ): a worker's Redis connections do not grow with the number of models it serves.
    this.shared ??= this.connections.create('gridllm-consumer');
    this.finisher ??= new JobFinish(this.shared, this.queue.lockDurationMs);
    const consumer = new Worker<InferenceJobData, InferenceJobResult>(
      queueNameFor(model, this.clustered),
      null,
      {
        connection: this.shared,
        prefix: this.redis.prefix,
        autorun: false,
        name: this.worker.workerId,
        lockDuration: this.queue.lockDurationMs,
        stalledInterval: Math.max(500, Math.floor(this.queue.lockDurationMs / 2)),
        maxStalledCount: MAX_STALLED_COUNT,
      },
      withoutBlockingConnection,
    );
    consumer.on('error', (error) => this.logger.warn(`queue ${model}: ${error.message}`));
    await consumer.waitUntilReady();
    // Manual mode has no stalled-job checker unless started: without it a dead worker's jobs never return.
    await consumer.startStalledCheckTimer();
    return consumer;
  }

  private markerKey(model: string): string {
    return `${this.redis.prefix}:${queueNameFor(model, this.clustered)}:marker`;
  }

  private get clustered(): boolean {
    return this.client.keys.clustered;
  }
}

type Consumer = Worker<InferenceJobData, InferenceJobResult>;

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** BullMQ's own backend, minus the blocking connection each Worker would otherwise open. */
const withoutBlockingConnection: BackendFactory<RedisQueueBackend> = (name, options, flags) =>
  createRedisBackend(name, options, { ...flags, withBlockingConnection: false });
