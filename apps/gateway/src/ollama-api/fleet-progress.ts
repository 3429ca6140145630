import type { Response } from 'express';

import { ControlOperation, FleetOperationError } from '@gridllm/contracts';
import { FleetControl } from '@gridllm/scheduler';
import { NdjsonWriter } from '@gridllm/streaming';

import { PullProgressMerger } from './pull-progress';

/** Pulls, pushes and creates of large models take long. */
const PROGRESS_OPERATION_TIMEOUT_MS = 6 * 60 * 60_000;

/**
 * Runs a progress-reporting operation (pull, push, create) on `workers` and answers as Ollama does: the
 * workers' progress merged into one NDJSON stream (layer totals summed) that ends in
 * `{"status":"success"}` only when every worker succeeded, else in one error line naming the failing
 * workers; `stream: false` gives only the final object (or the error, with its status).
 */
export async function answerFleetOperation(
  control: FleetControl,
  workers: string[],
  operation: ControlOperation,
  what: string,
  stream: boolean,
  res: Response,
): Promise<void> {
  const writer = new NdjsonWriter(res);
  const merger = new PullProgressMerger();
  const onProgress = (workerId: string, line: string) => {
    const merged = stream ? merger.merge(workerId, line) : null;
    if (merged) writer.line(merged);
  };
  const replies = await control.send(workers, operation, PROGRESS_OPERATION_TIMEOUT_MS, onProgress);
  const failed = replies.filter((reply) => !reply.ok);
  const error = failed.map((reply) => `worker ${reply.workerId}: ${reply.error ?? 'failed'}`).join('; ');
  if (!stream || !writer.started) {
    if (failed.length > 0) throw new FleetOperationError(`${what} failed on ${error}`);
    res
      .status(200)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ status: 'success' }));
    return;
  }
  if (failed.length > 0) writer.error(`${what} failed on ${error}`);
  else {
    writer.line({ status: 'success' });
    writer.end();
  }
}
