/**
 * A read whose answer is reused for `reuseMs` after it was asked: callers within that time (including
 * concurrent ones) share one read. A failed read is not kept, so the next caller asks again.
 */
export class ReusedAnswer<T> {
  private cached: { promise: Promise<T>; askedAt: number } | null = null;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly reuseMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    const now = this.now();
    if (this.cached && now - this.cached.askedAt < this.reuseMs) return this.cached.promise;
    const promise = this.read();
    const entry = { promise, askedAt: now };
    this.cached = entry;
    promise.catch(() => {
      if (this.cached === entry) this.cached = null;
    });
    return promise;
  }
}
