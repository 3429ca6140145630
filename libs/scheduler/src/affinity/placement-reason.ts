import { InferenceJobData } from '@gridllm/contracts';

/**
 * Why `workerId` runs the job: `session`, `prefix; chars=N` (it served the prompt's first N characters
 * recently), or `order` (warm first, then tier, then free slots: see docs/scheduling.md).
 */
export function placementOf(job: Pick<InferenceJobData, 'affinity'>, workerId: string): string {
  const preferred = job.affinity?.preferred;
  if (!preferred || preferred.workerId !== workerId) return 'order';
  return preferred.reason === 'prefix' ? `prefix; chars=${preferred.prefixChars ?? 0}` : 'session';
}
