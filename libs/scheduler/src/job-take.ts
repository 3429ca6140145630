import { Job, JobJson, MinimalQueue, raw2NextJobData } from 'bullmq';

import { InferenceJobData, InferenceJobResult } from '@gridllm/contracts';
import { RedisConnection } from '@gridllm/redis';
import { TakenRunEntry, decodeTakenEntry, fieldOf } from '@gridllm/streaming';

import { MERGED_ANSWER_FIELD, ONE_ANSWER_ENTRY, TAKE_NEXT } from './take-next.lua';

export type InferenceJob = Job<InferenceJobData, InferenceJobResult>;

/** What one take asks for; see TAKE_NEXT. */
export interface TakeRequest {
  /** The model's consumer (BullMQ's keys, and the queue its Job objects act on). */
  queue: MinimalQueue;
  markerKey: string;
  token: string;
  lockMs: number;
  /** Also written as BullMQ's `processedBy`, as the consumer's `name` is the worker id too. */
  workerId: string;
  affinityDelayMs: number;
  /** Leave a young head job that prefers another worker (the caller then asks whether that worker is free). */
  honourPreference: boolean;
  /**
   * Leave a young head job to a better-class worker: `none` (this worker is of the best class, or the board
   * was asked already), the board keys of the better classes (read in the script), or `ask` (Cluster: report
   * a young head and let the caller read the board, whose keys live in other slots).
   */
  betterWorkers: 'none' | 'ask' | readonly string[];
  /**
   * Sent right behind the worker's sleep on the marker, on its connection (MarkerWait.waitThen): the marker
   * is gone when the take runs, so it is not removed again.
   */
  afterSleep?: boolean;
  /** Enter the taken job's run in the same trip (standalone Redis): its fence and runEntryArgs. */
  entry?: { fence: string; args: readonly string[] };
}

export type TakeReply =
  | { kind: 'empty' }
  | {
      kind: 'taken';
      job: InferenceJob;
      backlog: number;
      entry?: TakenRunEntry;
      /** The job's reader takes a quick answer as one stream entry (ONE_ANSWER_ENTRY). */
      oneAnswerEntry: boolean;
    }
  | { kind: 'preferred'; workerId: string; ageMs: number }
  | { kind: 'better-free'; ageMs: number }
  | { kind: 'young'; ageMs: number };

type RawEntry = Parameters<typeof decodeTakenEntry>[0];
type RawReply = [0] | [1, string, number, string[], RawEntry | null] | [2, string, number] | [3 | 4, number];

interface TakeRedis {
  gridllmTakeNext(numberOfKeys: number, ...args: Array<string | number>): Promise<RawReply>;
}

/** Runs TAKE_NEXT on the connection the consumers share (the queue's keys are all in one slot). */
export class JobTake {
  private readonly redis: TakeRedis;

  constructor(connection: RedisConnection) {
    connection.defineCommand('gridllmTakeNext', { lua: TAKE_NEXT });
    this.redis = connection as unknown as TakeRedis;
  }

  async take(request: TakeRequest): Promise<TakeReply> {
    const { queue, betterWorkers } = request;
    const { keys } = queue;
    const boardKeys: readonly string[] =
      betterWorkers === 'none' || betterWorkers === 'ask' ? [] : betterWorkers;
    const scriptKeys = [keys.wait, keys.active, keys.prioritized, request.markerKey, keys.pc];
    const reply = await this.redis.gridllmTakeNext(
      scriptKeys.length + boardKeys.length,
      ...scriptKeys,
      ...boardKeys,
      keys[''],
      Date.now(),
      request.token,
      request.lockMs,
      request.workerId,
      request.affinityDelayMs,
      request.honourPreference ? 1 : 0,
      betterWorkers === 'ask' ? 2 : boardKeys.length > 0 ? 1 : 0,
      request.afterSleep ? 1 : 0,
      ...(request.entry?.args ?? []),
    );
    return this.decode(queue, request, reply);
  }

  private decode(queue: MinimalQueue, { token, entry }: TakeRequest, reply: RawReply): TakeReply {
    switch (reply[0]) {
      case 0:
        return { kind: 'empty' };
      case 1: {
        const [, id, backlog, fields, rawEntry] = reply;
        // The same decoding BullMQ applies to moveToActive's reply, so the Job is the one getNextJob gives.
        const [json] = raw2NextJobData([fields, id, 0, 0]) as [JobJson];
        const job = Job.fromJSON<InferenceJobData, InferenceJobResult>(queue, json, id);
        job.token = token;
        const entered = entry && rawEntry ? decodeTakenEntry(rawEntry, entry.fence) : undefined;
        const oneAnswerEntry = fieldOf(fields, MERGED_ANSWER_FIELD) === ONE_ANSWER_ENTRY;
        return { kind: 'taken', job, backlog: Number(backlog), entry: entered, oneAnswerEntry };
      }
      case 2:
        return { kind: 'preferred', workerId: reply[1], ageMs: Number(reply[2]) };
      case 3:
        return { kind: 'better-free', ageMs: Number(reply[1]) };
      case 4:
        return { kind: 'young', ageMs: Number(reply[1]) };
    }
  }
}
