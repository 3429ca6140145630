import type { JobPriority, WorkerInfo } from '@gridllm/contracts';

/**
 * What the dashboard shows, as `GET /admin/dashboard` answers it and `GET /admin/events` streams it.
 * Types only (the browser bundle imports them too). Times are epoch ms; rates are per second.
 */

/** A worker's state as the fleet table shows it: the heartbeat's, refined by load, or gone a moment ago. */
export type FleetState = 'ready' | 'busy' | 'cordoned' | 'draining' | 'not-ready' | 'gone';

export interface FleetWorker {
  info: Omit<WorkerInfo, 'signature'>;
  state: FleetState;
  /** Jobs running on it now, from the queues (fresher than the heartbeat's count). */
  slotsUsed: number;
  /** Tokens it generated per second, averaged over the last minute. */
  tokensPerSecond: number;
}

export interface QueueRow {
  model: string;
  priority: JobPriority;
  depth: number;
  /** When the oldest job still waiting at this priority was queued; null when none waits. */
  oldestQueuedAt: number | null;
  /** Jobs of this model and priority that started in the last minute. */
  startedPerMinute: number;
  /** Estimated wait of a job queued now at this priority; null without run-time samples or workers. */
  etaMs: number | null;
}

export interface RunningJob {
  id: string;
  model: string;
  kind: string;
  priority: JobPriority;
  workerId: string | null;
  ownerId: string | null;
  /** Chunks streamed so far (one token each for generate and chat). */
  tokens: number;
  submittedAt: number;
  startedAt: number;
}

export type JobOutcome = 'completed' | 'failed' | 'cancelled';

export interface FinishedJob {
  id: string;
  model: string;
  kind: string;
  outcome: JobOutcome;
  /** HTTP status the client got (200, or the error's status). */
  status: number;
  error: string | null;
  workerId: string | null;
  ownerId: string | null;
  /** Accepted → finished. */
  latencyMs: number;
  /** Accepted → started. */
  queueMs: number | null;
  /** Accepted → first token: queue wait plus the engine's load and prompt time; null for non-generating jobs. */
  ttftMs: number | null;
  tokens: number | null;
  finishedAt: number;
}

/** One second of the grid, as every gateway replica reads it from Redis. */
export interface SeriesPoint {
  t: number;
  /** Jobs that finished (any outcome) in that second. */
  requests: number;
  tokens: number;
  errors: number;
  queued: number;
  /** Over the jobs that finished in the last 10 s; null when none did. */
  ttftP50: number | null;
  ttftP95: number | null;
}

/** The part of the picture that is rewritten every second (the recorder's `live` key). */
export interface LiveGrid {
  at: number;
  workers: FleetWorker[];
  queues: QueueRow[];
  running: RunningJob[];
  /** Id of the newest finished job recorded, so readers fetch the list only when it changed. */
  newestFinishedId: string | null;
}

/** Everything the page needs at once: the first SSE event and `GET /admin/dashboard`. */
export interface DashboardSnapshot extends LiveGrid {
  finished: FinishedJob[];
  series: SeriesPoint[];
}

/** A later SSE event: the live part, plus finished jobs and series points that are new since the last one. */
export interface DashboardUpdate extends LiveGrid {
  finished: FinishedJob[];
  series: SeriesPoint[];
}
