import type { DashboardUpdate, FinishedJob } from '../../src/dashboard/dashboard-frame';
import { GridState, SseParser, applyUpdate, filterFinished } from './grid-state';

const T = 1_800_000_000_000;

const job = (id: string, finishedAt: number, extra: Partial<FinishedJob> = {}): FinishedJob => ({
  id,
  model: 'm:latest',
  kind: 'chat',
  outcome: 'completed',
  status: 200,
  error: null,
  workerId: 'w1',
  ownerId: null,
  latencyMs: 1,
  queueMs: 0,
  ttftMs: 1,
  tokens: 1,
  finishedAt,
  ...extra,
});

const empty: GridState = {
  at: T,
  workers: [],
  queues: [],
  running: [],
  newestFinishedId: null,
  finished: [],
  series: [],
};

describe('dashboard grid state', () => {
  it('puts new finished jobs on top once, and drops series points older than 15 minutes', () => {
    const state = {
      ...empty,
      finished: [job('a', T)],
      series: [{ t: T - 16 * 60_000 } as never, { t: T } as never],
    };
    const update: DashboardUpdate = {
      ...empty,
      at: T + 1000,
      finished: [job('b', T + 500), job('a', T)],
      series: [{ t: T + 1000 } as never],
    };
    const next = applyUpdate(state, update);
    expect(next.finished.map((j) => j.id)).toEqual(['b', 'a']);
    expect(next.series.map((p) => p.t)).toEqual([T, T + 1000]);
  });

  it('filters finished jobs by model, worker and outcome', () => {
    const jobs = [
      job('a', T),
      job('b', T, { outcome: 'failed', workerId: 'w2' }),
      job('c', T, { model: 'x' }),
    ];
    expect(filterFinished(jobs, { model: '', worker: 'w2', outcome: '' }).map((j) => j.id)).toEqual(['b']);
    expect(
      filterFinished(jobs, { model: 'm:latest', worker: '', outcome: 'completed' }).map((j) => j.id),
    ).toEqual(['a']);
  });

  it('parses SSE events split across chunks, ignoring comments', () => {
    const sut = new SseParser();
    expect(sut.push(': keepalive\n\nevent: snap')).toEqual([]);
    expect(sut.push('shot\ndata: {"a":1}\n\nevent: update\r\ndata: 2\r\n\r\n')).toEqual([
      { event: 'snapshot', data: '{"a":1}' },
      { event: 'update', data: '2' },
    ]);
  });
});
