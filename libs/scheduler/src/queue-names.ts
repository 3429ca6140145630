import { normalizeModelName } from '@gridllm/contracts';
import { slotGroupOf } from '@gridllm/redis';

/**
 * One BullMQ queue per normalised model name; BullMQ forbids ':' in queue names, so the name is
 * URI-encoded. In a Redis Cluster the name starts with a hash tag (`{queue-N}`, N from the model name):
 * every key of one queue shares a slot, as BullMQ's scripts need, while different models spread over
 * the shards in SLOT_GROUPS groups (so a worker blocks on at most that many marker groups).
 */
export function queueNameFor(model: string, clustered = false): string {
  const name = encodeURIComponent(normalizeModelName(model));
  return clustered ? `{queue-${slotGroupOf(name)}}${name}` : name;
}
