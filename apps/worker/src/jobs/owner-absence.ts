/**
 * When a job's gateway counts as gone. Its presence key expires 3 heartbeats after the last refresh, but
 * a Redis failover can lose that key (replication is asynchronous) or keep the gateway from refreshing it
 * for seconds; the worker itself sees the key again only after both have reconnected. So the key must be
 * missing on every check for a grace period before the gateway's jobs are cancelled.
 */
export class OwnerAbsence {
  private readonly missingSince = new Map<string, number>();

  constructor(private readonly graceMs: number) {}

  /** Records one check of `owner`'s presence key; true once it has been missing for longer than the grace. */
  gone(owner: string, present: boolean, now = Date.now()): boolean {
    if (present) {
      this.missingSince.delete(owner);
      return false;
    }
    const since = this.missingSince.get(owner) ?? now;
    this.missingSince.set(owner, since);
    return now - since > this.graceMs;
  }

  /** Forgets owners no running job belongs to any more. */
  retain(owners: ReadonlySet<string>): void {
    for (const owner of this.missingSince.keys()) if (!owners.has(owner)) this.missingSince.delete(owner);
  }
}
