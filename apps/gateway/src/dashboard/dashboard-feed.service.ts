import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';

import { RedisClient } from '@gridllm/redis';

import type {
  DashboardSnapshot,
  DashboardUpdate,
  FinishedJob,
  LiveGrid,
  SeriesPoint,
} from './dashboard-frame';
import { FINISHED_KEPT, SERIES_SPAN_MS } from './dashboard-recorder.service';

/** Half the recorder's interval: a new picture reaches the page within about a second. */
export const FEED_POLL_MS = 500;
/** An SSE comment this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/** Where the feed sends its events: one open `GET /admin/events`. */
export interface DashboardViewer {
  send(text: string): void;
  /** Ends the stream (the gateway is shutting down; the page reconnects to another replica). */
  end(): void;
}

const EMPTY_LIVE: LiveGrid = { at: 0, workers: [], queues: [], running: [], newestFinishedId: null };

/**
 * The gateway's one reader of the dashboard's data: while at least one page is open it reads Redis every
 * half second, builds each update once and sends the same text to every viewer. Readers cost Redis
 * nothing beyond the first; with no viewer left it stops reading.
 */
@Injectable()
export class DashboardFeed implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(DashboardFeed.name);
  private readonly viewers = new Set<DashboardViewer>();
  private live: LiveGrid = EMPTY_LIVE;
  private finished: FinishedJob[] = [];
  private series: SeriesPoint[] = [];
  private lastSeriesId = '-';
  private loaded: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private keepalive: NodeJS.Timeout | null = null;

  constructor(private readonly client: RedisClient) {}

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Everything at once, for `GET /admin/dashboard` and a page's first event. */
  async snapshot(): Promise<DashboardSnapshot> {
    if (!this.timer) await this.refresh();
    else await this.loaded;
    return { ...this.live, finished: this.finished, series: this.series };
  }

  /** Adds a viewer: it gets the snapshot, then every update until `leave`. */
  async join(viewer: DashboardViewer): Promise<void> {
    this.viewers.add(viewer);
    if (!this.timer) this.start();
    const snapshot = await this.snapshot();
    if (this.viewers.has(viewer)) viewer.send(event('snapshot', snapshot));
  }

  leave(viewer: DashboardViewer): void {
    this.viewers.delete(viewer);
    if (this.viewers.size === 0) this.stop();
  }

  /** Open pages would otherwise hold a draining gateway for its whole grace period. */
  beforeApplicationShutdown(): void {
    const viewers = [...this.viewers];
    this.viewers.clear();
    this.stop();
    viewers.forEach((viewer) => viewer.end());
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  private start(): void {
    this.loaded = this.refresh();
    const poll = () => {
      void this.poll().finally(() => {
        if (this.timer) this.timer = setTimeout(poll, FEED_POLL_MS);
      });
    };
    this.timer = setTimeout(poll, FEED_POLL_MS);
    this.keepalive = setInterval(() => this.broadcast(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.keepalive) clearInterval(this.keepalive);
    this.timer = this.keepalive = null;
    this.live = EMPTY_LIVE;
    this.finished = [];
    this.series = [];
    this.lastSeriesId = '-';
  }

  private async poll(): Promise<void> {
    try {
      await this.loaded;
      const before = { at: this.live.at, series: this.series.length, finished: this.finished[0]?.id };
      const update = await this.read();
      if (update && (this.live.at !== before.at || update.series.length || update.finished.length)) {
        this.broadcast(event('update', update));
      }
    } catch (error) {
      this.logger.warn(`dashboard feed: ${(error as Error).message}`);
    }
  }

  /** A full read: what a new feed (or a `GET` while no page is open) starts from. */
  private async refresh(): Promise<void> {
    this.lastSeriesId = '-';
    this.series = [];
    this.finished = [];
    await this.read();
  }

  /** Reads what changed since the last read and folds it in; returns the changes. */
  private async read(): Promise<DashboardUpdate | null> {
    const { redis, keys } = this.client;
    const raw = await redis.get(keys.dashboardLive());
    const live = raw ? (JSON.parse(raw) as LiveGrid) : null;
    const [finished, series] = await Promise.all([
      live && live.newestFinishedId !== (this.finished[0]?.id ?? null) ? this.newFinished() : [],
      this.newSeries(),
    ]);
    if (!live && series.length === 0) return null;
    if (live) this.live = live;
    return { ...this.live, finished, series };
  }

  private async newFinished(): Promise<FinishedJob[]> {
    const { redis, keys } = this.client;
    const all = (await redis.lrange(keys.dashboardFinished(), 0, FINISHED_KEPT - 1)).map(
      (text) => JSON.parse(text) as FinishedJob,
    );
    const known = new Set(this.finished.map((job) => job.id));
    this.finished = all;
    return all.filter((job) => !known.has(job.id));
  }

  private async newSeries(): Promise<SeriesPoint[]> {
    const { redis, keys } = this.client;
    const start = this.lastSeriesId === '-' ? '-' : `(${this.lastSeriesId}`;
    const entries = await redis.xrange(keys.dashboardSeries(), start, '+');
    const points = entries.map(([id, fields]) => {
      this.lastSeriesId = id;
      return JSON.parse(fields[1] ?? '{}') as SeriesPoint;
    });
    const horizon = Date.now() - SERIES_SPAN_MS;
    this.series = [...this.series, ...points].filter((point) => point.t >= horizon);
    return points;
  }

  private broadcast(text: string): void {
    for (const viewer of this.viewers) viewer.send(text);
  }
}

/** One SSE event; the JSON is serialised once per update, whatever the number of viewers. */
function event(name: string, data: object): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
