import type {
  DashboardSnapshot,
  DashboardUpdate,
  FinishedJob,
  SeriesPoint,
} from '../../src/dashboard/dashboard-frame';

/** Most finished jobs the page keeps (the server keeps as many). */
export const FINISHED_SHOWN = 300;
const SERIES_SPAN_MS = 15 * 60_000;

export type GridState = DashboardSnapshot;

/** Folds an SSE `update` into the page's state: new finished jobs go on top, new points at the end. */
export function applyUpdate(state: GridState, update: DashboardUpdate): GridState {
  const known = new Set(state.finished.map((job) => job.id));
  const fresh = update.finished.filter((job) => !known.has(job.id));
  const finished: FinishedJob[] = [...fresh, ...state.finished]
    .sort((a, b) => b.finishedAt - a.finishedAt)
    .slice(0, FINISHED_SHOWN);
  const horizon = update.at - SERIES_SPAN_MS;
  const series: SeriesPoint[] = [...state.series, ...update.series].filter((point) => point.t >= horizon);
  return { ...update, finished, series };
}

/** Finished jobs matching the table's filters (empty filter: any). */
export function filterFinished(
  jobs: FinishedJob[],
  filter: { model: string; worker: string; outcome: string },
): FinishedJob[] {
  return jobs.filter(
    (job) =>
      (!filter.model || job.model === filter.model) &&
      (!filter.worker || job.workerId === filter.worker) &&
      (!filter.outcome || job.outcome === filter.outcome),
  );
}

/** Splits an SSE byte stream into events; keeps the unfinished tail for the next chunk. */
export class SseParser {
  private buffer = '';

  push(text: string): Array<{ event: string; data: string }> {
    this.buffer += text.replace(/\r\n/g, '\n');
    const events: Array<{ event: string; data: string }> = [];
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) events.push({ event, data: data.join('\n') });
      end = this.buffer.indexOf('\n\n');
    }
    return events;
  }
}
