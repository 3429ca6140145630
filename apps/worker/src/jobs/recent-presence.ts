/** Most gateways remembered; past it the oldest sightings go first (a grid has a handful). */
const MAX_REMEMBERED = 256;

/**
 * Gateways seen alive in the last `forMs`: a job of one of them skips the start-time presence read (one
 * command per job, issue 15). A dead gateway's key outlives it by up to 3 heartbeats anyway, so trusting a
 * sighting for one more changes little; running jobs are still checked on every lock renewal (OwnerAbsence).
 */
export class RecentPresence {
  private readonly seenAt = new Map<string, number>();

  constructor(private readonly forMs: number) {}

  /** True while `gateway` was seen alive less than `forMs` ago. */
  alive(gateway: string, now = Date.now()): boolean {
    const at = this.seenAt.get(gateway);
    return at !== undefined && now - at < this.forMs;
  }

  /** Records that `gateway`'s presence key was there at `now`. */
  seen(gateway: string, now = Date.now()): void {
    this.seenAt.delete(gateway);
    this.seenAt.set(gateway, now);
    if (this.seenAt.size > MAX_REMEMBERED) this.seenAt.delete(this.seenAt.keys().next().value as string);
  }
}
