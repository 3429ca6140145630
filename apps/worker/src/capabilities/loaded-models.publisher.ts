import { Injectable } from '@nestjs/common';

import { CapabilitiesService } from './capabilities.service';

/** How long a job's final event may wait for its model to be listed as loaded (the registry write). */
const LISTING_WAIT_MS = 1000;

/**
 * Keeps /api/ps current between heartbeats: a model that a job loads is published as loaded before
 * the job's final event reaches its client, and a job that may unload or re-time a model (an explicit
 * `keep_alive`) republishes the list when it ends. The heartbeat does the publishing (`listen`).
 */
@Injectable()
export class LoadedModelsPublisher {
  private publish: () => Promise<void> = () => Promise.resolve();
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly capabilities: CapabilitiesService) {}

  /** The heartbeat's "re-read the engine's loaded models and publish them if they changed". */
  listen(publish: () => Promise<void>): void {
    this.publish = publish;
  }

  /** Resolves once `model` is listed as loaded, re-reading the engine when it is not (at most ~1 s). */
  ensureListed(model: string): Promise<void> {
    const listed = this.capabilities.snapshot?.loadedModels.some((loaded) => loaded.name === model);
    if (listed) return Promise.resolve();
    return Promise.race([
      this.republish(),
      new Promise<void>((resolve) => setTimeout(resolve, LISTING_WAIT_MS)),
    ]);
  }

  /** A job that set keep_alive ended: its model may be unloaded or expire at another time now. */
  jobEnded(request: Record<string, unknown>): void {
    if (request.keep_alive !== undefined && request.keep_alive !== null) void this.republish();
  }

  /** One re-read at a time; calls meanwhile coalesce into one more after it. */
  private republish(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.publish()
      .catch(() => undefined)
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          void this.republish();
        }
      });
    return this.running;
  }
}
