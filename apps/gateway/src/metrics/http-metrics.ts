import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

import { MetricsRegistry } from '@gridllm/observability';

import { methodLabel, routeLabel } from './route-label';

/** From 5 ms to a 5-minute stream (DEFAULT_JOB_TIMEOUT). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Counts every HTTP request and its duration by route pattern, method and status. It listens on the
 * HTTP server itself rather than as middleware, so it also sees answers given before Nest routes a
 * request (malformed JSON, bodies over BODY_LIMIT) and requests no route matched.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  private readonly requests;
  private readonly duration;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsRegistry,
  ) {
    this.requests = metrics.counter({
      name: 'gridllm_http_requests_total',
      help: 'HTTP requests answered, by route pattern ("unmatched" when no route handled it), method and status',
      labelNames: ['route', 'method', 'status'] as const,
    });
    this.duration = metrics.histogram({
      name: 'gridllm_http_request_duration_seconds',
      help: 'Time from request to the last byte of the answer (a whole stream for streaming answers)',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: DURATION_BUCKETS,
    });
  }

  onModuleInit(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!this.metrics.enabled || !server) return;
    // Prepended so the response is watched before Express starts on it.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => this.watch(req, res));
  }

  private watch(req: IncomingMessage, res: ServerResponse): void {
    const startedAt = process.hrtime.bigint();
    // 'close' also fires when the client leaves mid-stream; 'finish' may then never come.
    res.once('close', () => {
      const labels = {
        route: routeLabel(req),
        method: methodLabel(req),
        status: String(res.statusCode),
      };
      this.requests.inc(labels);
      this.duration.observe(labels, Number(process.hrtime.bigint() - startedAt) / 1e9);
    });
  }
}
