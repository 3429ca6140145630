/** What a cold worker knows when it could take a job of a model it has not loaded. */
export interface WarmAheadInput {
  /** Jobs waiting for the model. */
  waiting: number;
  /** Slots of the live workers where the model is loaded (or loading ahead). */
  warmSlots: number;
  /** WARM_AHEAD_QUEUE_PER_SLOT. */
  queuePerSlot: number;
}

/**
 * Load the model ahead (instead of taking a job into a cold load) when the queue is deeper than its warm
 * slots drain in `queuePerSlot` rounds. With no warm worker at all every job pays a load anyway: take it.
 */
export function shouldWarmAhead({ waiting, warmSlots, queuePerSlot }: WarmAheadInput): boolean {
  return warmSlots > 0 && waiting > queuePerSlot * warmSlots;
}
