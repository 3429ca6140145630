import { Injectable } from '@nestjs/common';

import { OllamaChunk, StreamEventType } from '@gridllm/contracts';
import { RedisClient } from '@gridllm/redis';
import { decodeEntry } from '@gridllm/streaming';

/** What earlier attempts of a job streamed to its client. */
export interface EarlierOutput {
  /** Their chunks, in stream order (the client saw exactly these). */
  chunks: OllamaChunk[];
  /** How many attempts streamed any chunk. */
  attemptsWithText: number;
  /** The worker of the last attempt that streamed text. */
  lastWorkerId: string;
}

type StreamEntry = [string, string[]];

/**
 * Reads a job's stream up to (not including) the current attempt. Called after this run claimed the
 * stream (RunGuard), so an earlier run cannot add to it any more: what is read is what the client got.
 */
@Injectable()
export class EarlierOutputReader {
  constructor(private readonly client: RedisClient) {}

  async read(jobId: string, attempt: number): Promise<EarlierOutput> {
    const empty: EarlierOutput = { chunks: [], attemptsWithText: 0, lastWorkerId: '' };
    if (attempt <= 1) return empty;
    const key = this.client.keys.jobStream(jobId);
    const entries = (await this.client.redis.xrange(key, '-', String(attempt - 1))) as StreamEntry[];
    const withText = new Set<number>();
    const workers = new Map<number, string>();
    for (const event of entries.flatMap(([id, fields]) => decodeEntry(id, fields))) {
      if (event.type === StreamEventType.Started) workers.set(event.attempt, event.data);
      if (event.type !== StreamEventType.Chunk) continue;
      empty.chunks.push(JSON.parse(event.data) as OllamaChunk);
      withText.add(event.attempt);
    }
    const last = Math.max(0, ...withText);
    return { chunks: empty.chunks, attemptsWithText: withText.size, lastWorkerId: workers.get(last) ?? '' };
  }
}
