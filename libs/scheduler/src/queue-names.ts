import { normalizeModelName } from '@gridllm/contracts';

/** One BullMQ queue per normalised model name; BullMQ forbids ':' in queue names, so the name is URI-encoded. */
export function queueNameFor(model: string): string {
  return encodeURIComponent(normalizeModelName(model));
}
