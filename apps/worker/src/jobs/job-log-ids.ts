import { InferenceJobData } from '@gridllm/contracts';
import { LogIds } from '@gridllm/logging';

/** The ids a line about a job carries on this worker: its own, its request's (from the gateway) and ours. */
export function jobLogIds(
  { id, requestId }: Pick<InferenceJobData, 'id' | 'requestId'>,
  workerId: string,
): LogIds {
  return { jobId: id, requestId, workerId };
}
