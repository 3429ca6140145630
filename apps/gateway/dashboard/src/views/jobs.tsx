import { useState } from 'preact/hooks';

import type { FinishedJob, RunningJob } from '../../../src/dashboard/dashboard-frame';
import { call } from '../api';
import { count, duration, exact, relative, shortId } from '../format';
import { GridState, filterFinished } from '../grid-state';
import { Actions, perform } from '../notice';

export function JobsView({ grid, now, actions }: { grid: GridState; now: number; actions: Actions }) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs</h2>
      <h3 id="running-title">Running ({grid.running.length})</h3>
      <div class="scroll">
        <table class="running" aria-labelledby="running-title">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Model</th>
              <th scope="col">Worker</th>
              <th scope="col">Owner</th>
              <th scope="col">Priority</th>
              <th scope="col">Tokens so far</th>
              <th scope="col">Elapsed</th>
              <th scope="col">Queue time</th>
              {actions.admin && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {grid.running.length === 0 && (
              <tr>
                <td colSpan={9}>Nothing is running.</td>
              </tr>
            )}
            {grid.running.map((job) => (
              <RunningRow key={job.id} job={job} now={now} actions={actions} onOpen={setOpen} />
            ))}
          </tbody>
        </table>
      </div>
      {open && <JobDetails id={open} onClose={() => setOpen(null)} />}
      <FinishedTable jobs={grid.finished} now={now} onOpen={setOpen} />
    </section>
  );
}

function RunningRow(props: { job: RunningJob; now: number; actions: Actions; onOpen: (id: string) => void }) {
  const { job, now, actions, onOpen } = props;
  return (
    <tr data-job={job.id}>
      <th scope="row">
        <button type="button" class="link mono" onClick={() => onOpen(job.id)} title={job.id}>
          {shortId(job.id)}
        </button>
      </th>
      <td>{job.model}</td>
      <td>{job.workerId ?? '–'}</td>
      <td>{job.ownerId ?? '–'}</td>
      <td>{job.priority}</td>
      <td class="num tokens">{count(job.tokens, 'token')}</td>
      <td class="num" title={`started ${exact(job.startedAt)}`}>
        {duration(now - job.startedAt)}
      </td>
      <td class="num">{duration(job.startedAt - job.submittedAt)}</td>
      {actions.admin && (
        <td>
          <button
            type="button"
            aria-label={`Cancel job ${job.id}`}
            onClick={() =>
              void perform(actions, `Cancelled ${shortId(job.id)}`, () =>
                call(`inference/${job.id}`, { method: 'DELETE' }),
              )
            }
          >
            Cancel
          </button>
        </td>
      )}
    </tr>
  );
}

function FinishedTable({
  jobs,
  now,
  onOpen,
}: {
  jobs: FinishedJob[];
  now: number;
  onOpen: (id: string) => void;
}) {
  const [filter, setFilter] = useState({ model: '', worker: '', outcome: '' });
  const models = [...new Set(jobs.map((job) => job.model))].sort();
  const workers = [...new Set(jobs.flatMap((job) => (job.workerId ? [job.workerId] : [])))].sort();
  const shown = filterFinished(jobs, filter);
  const select = (name: keyof typeof filter, label: string, options: string[]) => (
    <label>
      {label}{' '}
      <select
        value={filter[name]}
        onChange={(event) => setFilter({ ...filter, [name]: (event.target as HTMLSelectElement).value })}
      >
        <option value="">any</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <>
      <h3 id="finished-title">Finished (last {jobs.length})</h3>
      <div class="filters" role="group" aria-label="Filter finished jobs">
        {select('model', 'Model', models)}
        {select('worker', 'Worker', workers)}
        {select('outcome', 'Outcome', ['completed', 'failed', 'cancelled'])}
      </div>
      <div class="scroll">
        <table class="finished" aria-labelledby="finished-title">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Finished</th>
              <th scope="col">Model</th>
              <th scope="col">Outcome</th>
              <th scope="col">Status</th>
              <th scope="col">Latency</th>
              <th scope="col">TTFT</th>
              <th scope="col">Tokens</th>
              <th scope="col">Worker</th>
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 && (
              <tr>
                <td colSpan={9}>No finished job{jobs.length ? ' matches' : ' yet'}.</td>
              </tr>
            )}
            {shown.map((job) => (
              <tr key={job.id} data-job={job.id}>
                <th scope="row">
                  <button type="button" class="link mono" onClick={() => onOpen(job.id)} title={job.id}>
                    {shortId(job.id)}
                  </button>
                </th>
                <td title={exact(job.finishedAt)}>{relative(job.finishedAt, now)}</td>
                <td>{job.model}</td>
                <td>
                  <span class={`outcome ${job.outcome}`} title={job.error ?? undefined}>
                    {job.outcome}
                  </span>
                </td>
                <td class="num">{job.status}</td>
                <td class="num">{duration(job.latencyMs)}</td>
                <td class="num">{duration(job.ttftMs)}</td>
                <td class="num">{job.tokens === null ? '–' : count(job.tokens, 'token')}</td>
                <td>{job.workerId ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** A job's status and its replayable stream, fetched with the key (a plain link could not send it). */
function JobDetails({ id, onClose }: { id: string; onClose: () => void }) {
  const [text, setText] = useState<string>('');
  const load = async (path: string) => {
    setText('loading…');
    try {
      setText(await (await call(path)).text());
    } catch (error) {
      setText(`error: ${(error as Error).message}`);
    }
  };
  return (
    <div class="details" role="region" aria-label={`Job ${id}`}>
      <p>
        Job <code>{id}</code>{' '}
        <button type="button" onClick={() => void load(`inference/${id}/status`)}>
          Status
        </button>{' '}
        <button type="button" onClick={() => void load(`inference/${id}/stream`)}>
          Replay stream
        </button>{' '}
        <button type="button" class="link" onClick={onClose}>
          Close
        </button>
      </p>
      <p class="muted">
        Also with curl: <code>GET /inference/{id}/status</code>, <code>GET /inference/{id}/stream</code>
      </p>
      {text && <pre>{text}</pre>}
    </div>
  );
}
