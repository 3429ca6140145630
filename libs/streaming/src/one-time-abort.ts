/**
 * What a stop can be listened to through: an AbortSignal, or a OneTimeAbort (the same members, without an
 * AbortController's cost).
 */
export interface AbortSource {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * An AbortController and its signal in one small object, for stops that stay inside this code (a client
 * leaving, a relay's end): Node 20 builds every AbortSignal with Object.setPrototypeOf, about 3.5 µs and an
 * object in dictionary mode per request (issue 15). As an AbortSignal does, it calls the listeners present
 * when it aborts, once. Code that hands a signal to a library (undici, fetch) still needs a real one.
 */
export class OneTimeAbort implements AbortSource {
  private done = false;
  private listeners: Array<() => void> = [];

  get aborted(): boolean {
    return this.done;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.done) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const index = this.listeners.indexOf(listener);
    if (index >= 0) this.listeners.splice(index, 1);
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}
