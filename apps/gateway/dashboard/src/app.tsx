import { useCallback, useEffect, useState } from 'preact/hooks';

import { ApiError, call, callJson, followEvents, storeKey, storedKey } from './api';
import type { DashboardSnapshot } from '../../src/dashboard/dashboard-frame';
import { GridState, applyUpdate } from './grid-state';
import { Actions, Notice, NoticeBar } from './notice';
import { ChartsView } from './views/charts';
import { FleetView } from './views/fleet';
import { JobsView } from './views/jobs';
import { KeysView } from './views/keys';
import { LoginView } from './views/login';
import { QueuesView } from './views/queues';

const TABS = [
  ['fleet', 'Fleet'],
  ['queues', 'Queues'],
  ['jobs', 'Jobs'],
  ['charts', 'Charts'],
  ['keys', 'Keys'],
] as const;
type Tab = (typeof TABS)[number][0];

type Phase =
  { kind: 'checking' } | { kind: 'login'; message: string | null } | { kind: 'ready'; admin: boolean };

/** Why a key was refused, in words an operator can act on. */
export function refusal(error: unknown): string {
  if (error instanceof ApiError && error.status === 401)
    return `That key was not accepted: ${error.message}.`;
  if (error instanceof ApiError && error.status === 403)
    return `That key may not view the dashboard (it needs the dashboard or admin scope): ${error.message}.`;
  return `The gateway did not answer: ${(error as Error).message}`;
}

function tabFromHash(): Tab {
  const hash = window.location.hash.slice(1);
  return TABS.find(([id]) => id === hash)?.[0] ?? 'fleet';
}

export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'checking' });
  const [grid, setGrid] = useState<GridState | null>(null);
  const [connected, setConnected] = useState(false);
  const [tab, setTab] = useState<Tab>(tabFromHash());
  const [now, setNow] = useState(Date.now());
  const [notice, setNotice] = useState<Notice | null>(null);

  /** Tries the stored key (or none: auth off) and learns whether it may act. */
  const check = useCallback(async (message: string | null = null) => {
    try {
      setGrid(await callJson<DashboardSnapshot>('admin/dashboard'));
      const admin = await call('admin/keys').then(
        () => true,
        () => false,
      );
      setPhase({ kind: 'ready', admin });
    } catch (error) {
      const hadKey = storedKey() !== null;
      if (hadKey) storeKey(null);
      setPhase({ kind: 'login', message: hadKey ? refusal(error) : message });
    }
  }, []);

  useEffect(() => void check(), [check]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    const onHash = () => setTab(tabFromHash());
    window.addEventListener('hashchange', onHash);
    return () => {
      clearInterval(timer);
      window.removeEventListener('hashchange', onHash);
    };
  }, []);
  useEffect(() => {
    if (phase.kind !== 'ready') return;
    return followEvents({
      snapshot: (snapshot) => setGrid(snapshot),
      update: (update) => setGrid((state) => (state ? applyUpdate(state, update) : { ...update })),
      connected: setConnected,
    });
  }, [phase.kind]);

  if (phase.kind === 'checking') return <p class="boot">Connecting to the gateway…</p>;
  if (phase.kind === 'login')
    return (
      <LoginView
        message={phase.message}
        onKey={(key) => {
          storeKey(key);
          void check();
        }}
      />
    );

  const actions: Actions = { notify: setNotice, admin: phase.admin };
  const shown = TABS.filter(([id]) => id !== 'keys' || phase.admin);
  return (
    <div class="shell">
      <header class="top">
        <h1>GridLLM</h1>
        <nav aria-label="Views">
          <ul class="tabs">
            {shown.map(([id, label]) => (
              <li key={id}>
                <a href={`#${id}`} aria-current={tab === id ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <p class="status" role="status">
          <span class={connected ? 'dot live' : 'dot'} aria-hidden="true" />
          {connected ? 'Live' : 'Reconnecting…'}
          {!phase.admin && <span class="badge">read-only</span>}
          {storedKey() && (
            <button
              type="button"
              class="link"
              onClick={() => {
                storeKey(null);
                setPhase({ kind: 'login', message: 'Signed out.' });
              }}
            >
              Sign out
            </button>
          )}
        </p>
      </header>
      <NoticeBar notice={notice} onClose={() => setNotice(null)} />
      <main>
        {grid && tab === 'fleet' && <FleetView grid={grid} now={now} actions={actions} />}
        {grid && tab === 'queues' && <QueuesView grid={grid} now={now} />}
        {grid && tab === 'jobs' && <JobsView grid={grid} now={now} actions={actions} />}
        {grid && tab === 'charts' && <ChartsView series={grid.series} />}
        {tab === 'keys' && phase.admin && <KeysView now={now} actions={actions} />}
      </main>
    </div>
  );
}
