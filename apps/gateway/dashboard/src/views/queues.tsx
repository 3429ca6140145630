import { count, duration, exact, relative } from '../format';
import type { GridState } from '../grid-state';

export function QueuesView({ grid, now }: { grid: GridState; now: number }) {
  const waiting = grid.queues.reduce((sum, row) => sum + row.depth, 0);
  return (
    <section aria-labelledby="queues-title">
      <h2 id="queues-title">Queues</h2>
      <p class="summary">{count(waiting, 'job')} waiting</p>
      <div class="scroll">
        <table class="queues">
          <caption class="sr-only">Per model and priority</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Priority</th>
              <th scope="col">Waiting</th>
              <th scope="col">Oldest wait</th>
              <th scope="col">Started / min</th>
              <th scope="col">ETA for a new job</th>
            </tr>
          </thead>
          <tbody>
            {grid.queues.length === 0 && (
              <tr>
                <td colSpan={6}>No model has a queue yet.</td>
              </tr>
            )}
            {grid.queues.map((row) => (
              <tr
                key={`${row.model} ${row.priority}`}
                data-queue={`${row.model} ${row.priority}`}
                class={row.depth ? '' : 'quiet'}
              >
                <th scope="row">{row.model}</th>
                <td>{row.priority}</td>
                <td class="num depth">{count(row.depth, 'job')}</td>
                <td title={exact(row.oldestQueuedAt)}>
                  {row.oldestQueuedAt ? duration(now - row.oldestQueuedAt) : '–'}
                </td>
                <td class="num">{count(row.startedPerMinute, 'job')}</td>
                <td class="num">
                  {row.etaMs === null ? 'unknown' : row.etaMs === 0 ? 'now' : `≈ ${duration(row.etaMs)}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {grid.at > 0 && (
        <p class="muted" title={exact(grid.at)}>
          Updated {relative(grid.at, now)}
        </p>
      )}
    </section>
  );
}
