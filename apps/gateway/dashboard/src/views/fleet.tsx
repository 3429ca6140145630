import { useState } from 'preact/hooks';

import type { FleetWorker } from '../../../src/dashboard/dashboard-frame';
import { post, readLines } from '../api';
import { bytes, exact, rate, relative } from '../format';
import type { GridState } from '../grid-state';
import { Actions, perform } from '../notice';

const STATE_LABEL: Record<FleetWorker['state'], string> = {
  ready: 'ready',
  busy: 'busy',
  cordoned: 'cordoned',
  draining: 'draining',
  'not-ready': 'not ready',
  gone: 'gone',
};

export function FleetView({ grid, now, actions }: { grid: GridState; now: number; actions: Actions }) {
  return (
    <section aria-labelledby="fleet-title">
      <h2 id="fleet-title">Fleet</h2>
      <p class="summary">
        {grid.workers.filter((w) => w.state !== 'gone').length} workers,{' '}
        {grid.workers.reduce((sum, w) => sum + w.slotsUsed, 0)} of{' '}
        {grid.workers.filter((w) => w.state !== 'gone').reduce((sum, w) => sum + w.info.slots, 0)} slots in
        use
        {grid.at > 0 && <span title={exact(grid.at)}> · updated {relative(grid.at, now)}</span>}
      </p>
      <div class="scroll">
        <table class="fleet">
          <caption class="sr-only">One row per worker</caption>
          <thead>
            <tr>
              <th scope="col">Worker</th>
              <th scope="col">State</th>
              <th scope="col">Engine</th>
              <th scope="col">Tier</th>
              <th scope="col">Slots</th>
              <th scope="col">Models</th>
              <th scope="col">Tokens/s (1 min)</th>
              <th scope="col">Hardware</th>
              <th scope="col">Heartbeat</th>
              {actions.admin && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {grid.workers.length === 0 && (
              <tr>
                <td colSpan={10}>No worker has registered yet.</td>
              </tr>
            )}
            {grid.workers.map((worker) => (
              <WorkerRow key={worker.info.id} worker={worker} now={now} actions={actions} />
            ))}
          </tbody>
        </table>
      </div>
      {actions.admin && <PullForm actions={actions} />}
    </section>
  );
}

function WorkerRow({ worker, now, actions }: { worker: FleetWorker; now: number; actions: Actions }) {
  const { info } = worker;
  const gpus = info.hardware.gpus.map((gpu) => `${gpu.name} (${bytes(gpu.memoryTotalMb * 1024 * 1024)})`);
  const cordoned = worker.state === 'cordoned' || worker.state === 'draining';
  const workerPath = `admin/workers/${encodeURIComponent(info.id)}`;
  return (
    <tr data-worker={info.id}>
      <th scope="row">{info.id}</th>
      <td>
        <span class={`state ${worker.state}`} title={info.statusReason ?? undefined}>
          {STATE_LABEL[worker.state]}
        </span>
      </td>
      <td>
        {info.engine}
        {info.engineVersion && <span class="muted"> {info.engineVersion}</span>}
      </td>
      <td>{info.tier}</td>
      <td class="num">
        {worker.slotsUsed} / {info.slots}
      </td>
      <td>
        <ModelList worker={worker} now={now} actions={actions} />
      </td>
      <td class="num">{rate(worker.tokensPerSecond, 'tok/s')}</td>
      <td class="hardware">
        {info.hardware.cpuCores} × {info.hardware.cpuModel}
        <br />
        RAM {bytes(info.hardware.memoryTotalBytes)} ({bytes(info.hardware.memoryFreeBytes)} free)
        {gpus.length > 0 && <br />}
        {gpus.join(', ')}
      </td>
      <td title={exact(info.lastHeartbeatAt)}>{relative(info.lastHeartbeatAt, now)}</td>
      {actions.admin && (
        <td class="actions">
          {worker.state !== 'gone' && !cordoned && (
            <button
              type="button"
              onClick={() => void perform(actions, `Cordoned ${info.id}`, () => post(`${workerPath}/cordon`))}
            >
              Cordon
            </button>
          )}
          {worker.state !== 'gone' && !cordoned && (
            <button
              type="button"
              onClick={() =>
                void perform(actions, `Drained ${info.id}`, () => post(`${workerPath}/drain?timeoutMs=60000`))
              }
            >
              Drain
            </button>
          )}
          {cordoned && (
            <button
              type="button"
              onClick={() =>
                void perform(actions, `Uncordoned ${info.id}`, () => post(`${workerPath}/uncordon`))
              }
            >
              Uncordon
            </button>
          )}
        </td>
      )}
    </tr>
  );
}

function ModelList({ worker, now, actions }: { worker: FleetWorker; now: number; actions: Actions }) {
  const loaded = new Map(worker.info.loadedModels.map((model) => [model.name, model]));
  return (
    <ul class="models">
      {worker.info.models.map((model) => {
        const live = loaded.get(model.name);
        const expires = live?.expires_at ? Date.parse(live.expires_at) : null;
        return (
          <li key={model.name}>
            {model.name}
            {live && (
              <>
                {' '}
                <span class="badge loaded" title={expires ? `expires ${exact(expires)}` : undefined}>
                  loaded{expires ? `, unloads ${relative(expires, now)}` : ''}
                </span>
                {actions.admin && (
                  <button
                    type="button"
                    class="small"
                    aria-label={`Unload ${model.name} from the fleet`}
                    onClick={() =>
                      void perform(actions, `Unloaded ${model.name}`, () =>
                        post('api/generate', { model: model.name, keep_alive: 0 }),
                      )
                    }
                  >
                    Unload
                  </button>
                )}
              </>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** Pulls a model to the fleet, showing the merged progress the gateway streams. */
function PullForm({ actions }: { actions: Actions }) {
  const [model, setModel] = useState('');
  const [progress, setProgress] = useState<string | null>(null);
  const pull = async () => {
    setProgress('starting…');
    const ok = await perform(actions, `Pulled ${model}`, async () => {
      const response = await post('admin/models/pull', { model, stream: true });
      await readLines(response, (line) => {
        if (typeof line.error === 'string') throw new Error(line.error);
        const total = Number(line.total) || 0;
        const done = Number(line.completed) || 0;
        const status = typeof line.status === 'string' ? line.status : '';
        setProgress(`${status}${total ? ` ${Math.floor((done / total) * 100)} % of ${bytes(total)}` : ''}`);
      });
    });
    setProgress(ok ? 'success' : null);
  };
  return (
    <form
      class="inline"
      onSubmit={(event) => {
        event.preventDefault();
        if (model.trim()) void pull();
      }}
    >
      <label for="pull-model">Pull a model to the fleet</label>
      <input
        id="pull-model"
        placeholder="llama3.2:latest"
        value={model}
        onInput={(event) => setModel((event.target as HTMLInputElement).value.trim())}
      />
      <button type="submit">Pull</button>
      {progress && (
        <output class="muted" aria-live="polite">
          {progress}
        </output>
      )}
    </form>
  );
}
