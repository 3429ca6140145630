import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import {
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';

import { observabilityConfig } from '@gridllm/config';

/**
 * The app's one prom-client Registry (never prom-client's global one, so two apps in one process, or a
 * test module, do not share series). Metrics are created through it; with METRICS_ENABLED=false they
 * still exist, so callers never branch, but nothing is served.
 */
@Injectable()
export class MetricsRegistry {
  private readonly registry = new Registry();

  constructor(
    @Inject(observabilityConfig.KEY) private readonly settings: ConfigType<typeof observabilityConfig>,
  ) {
    // Default names (process_*, nodejs_*): the standard Node.js dashboards expect them unprefixed.
    if (settings.metricsEnabled) collectDefaultMetrics({ register: this.registry });
  }

  get enabled(): boolean {
    return this.settings.metricsEnabled;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return new Counter({ ...config, registers: [this.registry] });
  }

  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return new Gauge({ ...config, registers: [this.registry] });
  }

  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return new Histogram({ ...config, registers: [this.registry] });
  }

  /** Every metric in the Prometheus text format; runs the gauges' collect callbacks. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
