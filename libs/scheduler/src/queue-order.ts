/**
 * The order in which a free slot tries its model queues: the queue whose marker just woke us first
 * (BullMQ re-adds a marker only when that queue hands out a job, so skipping it would strand other
 * sleepers), then the rest in round-robin order from `cursor` so no model starves another.
 */
export function queueOrder(models: readonly string[], preferred: string | null, cursor: number): string[] {
  if (models.length === 0) return [];
  const start = ((cursor % models.length) + models.length) % models.length;
  const rotated = [...models.slice(start), ...models.slice(0, start)];
  if (preferred === null || !models.includes(preferred)) return rotated;
  return [preferred, ...rotated.filter((model) => model !== preferred)];
}
