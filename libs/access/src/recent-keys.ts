/**
 * How long a gateway trusts a key record it has read: a revocation or rotation made through another
 * gateway takes effect here within this time (through this gateway: at once, see ApiKeyStore).
 */
export const KEY_CACHE_MS = 1000;
/** Most records kept; beyond that the oldest go first (a key is re-read at most once per KEY_CACHE_MS). */
const MAX_ENTRIES = 10_000;

/** Key records by secret hash for KEY_CACHE_MS: an authenticated request costs no Redis read. */
export class RecentKeys<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(secretHash: string): T | undefined {
    const entry = this.entries.get(secretHash);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.value;
    this.entries.delete(secretHash);
    return undefined;
  }

  /** Keeps `value` until KEY_CACHE_MS after `readAt`, when it was read (default: now). */
  set(secretHash: string, value: T, readAt = this.now()): void {
    this.entries.delete(secretHash);
    this.entries.set(secretHash, { value, until: readAt + KEY_CACHE_MS });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Forgets everything: after a revocation or rotation through this gateway. */
  clear(): void {
    this.entries.clear();
  }
}
