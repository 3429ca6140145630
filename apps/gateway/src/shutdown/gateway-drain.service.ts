import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { gatewayConfig } from '@gridllm/config';

import { DrainClock } from './drain-clock';
import { HttpListener } from './http-listener';
import { InFlightRequests } from './in-flight-requests';

/** Readiness probes older than this mean nobody is watching: no balancer to wait for. */
export const PROBE_WATCH_WINDOW_MS = 60000;
/** After the grace period: time for relays to write their error lines before the sockets close. */
export const FLUSH_MS = 1000;
/** What a client still streaming at the deadline reads in its error line. */
export const SHUTDOWN_MESSAGE = 'gateway shutting down; retry the request';

export type DrainPhase = 'serving' | 'draining' | 'closed';

/**
 * A SIGTERMed gateway's way out, run by Nest before the HTTP server closes: answer /health/ready 503
 * for SHUTDOWN_DRAIN_DELAY while still serving (responses say `Connection: close`), then stop accepting,
 * let in-flight requests finish within SHUTDOWN_GRACE_PERIOD, end what is still open with the family's
 * error line, and close every socket so that the exit never waits on a keep-alive timeout.
 */
@Injectable()
export class GatewayDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(GatewayDrain.name);
  private readonly deadlineController = new AbortController();
  private lastProbeAt = Number.NEGATIVE_INFINITY;
  private current: DrainPhase = 'serving';

  constructor(
    private readonly requests: InFlightRequests,
    private readonly listener: HttpListener,
    private readonly clock: DrainClock,
    @Inject(gatewayConfig.KEY) private readonly settings: ConfigType<typeof gatewayConfig>,
  ) {}

  get phase(): DrainPhase {
    return this.current;
  }

  /** Aborts when the grace period is over: job relays then end their streams with the error line. */
  get deadline(): AbortSignal {
    return this.deadlineController.signal;
  }

  /** A readiness probe arrived: someone (a balancer, an orchestrator) routes by it. */
  probed(): void {
    this.lastProbeAt = this.clock.now();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.current !== 'serving') return;
    this.current = 'draining';
    this.requests.closeConnections();
    const delay = this.drainDelay();
    this.logger.log(`draining: not ready for ${delay} ms, ${this.requests.count} request(s) in flight`);
    await this.clock.sleep(delay);
    this.listener.stopAccepting();
    const { gracePeriodMs } = this.settings.shutdown;
    if (!(await this.requests.settled(gracePeriodMs))) await this.endOpenRequests(gracePeriodMs);
    this.listener.closeAllConnections();
    this.current = 'closed';
  }

  /** Waiting only helps when something polls readiness; otherwise exit without delay. */
  private drainDelay(): number {
    const watched = this.clock.now() - this.lastProbeAt <= PROBE_WATCH_WINDOW_MS;
    return watched ? this.settings.shutdown.drainDelayMs : 0;
  }

  private async endOpenRequests(gracePeriodMs: number): Promise<void> {
    this.logger.warn(
      `${this.requests.count} request(s) still open after SHUTDOWN_GRACE_PERIOD (${gracePeriodMs} ms): ending them`,
    );
    this.deadlineController.abort();
    if (await this.requests.settled(FLUSH_MS)) return;
    this.requests.endStragglers(SHUTDOWN_MESSAGE);
    await this.requests.settled(FLUSH_MS);
  }
}
