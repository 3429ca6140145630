import type { NextFunction, Request, Response } from 'express';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A request body at least this large counts towards a release. */
const LARGE_BODY_BYTES = 1024 * 1024;
/** Large bodies (in total) after which their garbage is worth a full collection. */
const RELEASE_AFTER_BYTES = 16 * 1024 * 1024;
/** Quiet time (no large body finished) before collecting, so a burst is never interrupted. */
const QUIET_MS = 2000;

export type FullGc = () => void;

/**
 * Gives the memory of large request bodies back once a burst of them is over. Each multi-MB body leaves
 * several strings of its size (the raw text, the parsed prompt, the job's JSON) in V8's large-object
 * space, which only a full collection frees; an idle gateway runs none, so after a burst it kept
 * ~150 MB of such garbage for minutes (measured: docs/security.md, "Memory and retention").
 */
export class HeapRelease {
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly collect: FullGc = exposeGc(),
    private readonly quietMs = QUIET_MS,
  ) {}

  /** Express middleware: measures each request's body from its socket's bytes read. */
  readonly track = (req: Request, res: Response, next: NextFunction): void => {
    const startBytes = req.socket.bytesRead;
    res.once('close', () => this.bodyRead(req.socket.bytesRead - startBytes));
    next();
  };

  bodyRead(bytes: number): void {
    if (bytes < LARGE_BODY_BYTES) return;
    this.pendingBytes += bytes;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.release(), this.quietMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private release(): void {
    this.timer = null;
    if (this.pendingBytes < RELEASE_AFTER_BYTES) return;
    this.pendingBytes = 0;
    this.collect();
  }
}

/** V8's full collection, without starting Node with --expose-gc (so every launcher gets it). */
export function exposeGc(): FullGc {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as FullGc;
}
