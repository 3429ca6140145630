import { useCallback, useEffect, useState } from 'preact/hooks';

import { call, callJson, post } from '../api';
import { count, exact, relative } from '../format';
import { Actions, perform } from '../notice';

interface KeyRecord {
  id: string;
  name: string;
  hint: string;
  scopes: string[];
  models?: string[];
  rateLimit?: { requests: number; windowSeconds: number };
  tokenQuota?: { tokens: number; period: string };
  maxConcurrent?: number;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

interface Usage {
  day: { total_tokens: number; requests: number };
  month: { total_tokens: number; requests: number };
}

const SCOPES = ['inference', 'models:manage', 'dashboard', 'admin'];

/** API keys with their limits and usage; create (secret shown once), rotate, revoke. */
export function KeysView({ now, actions }: { now: number; actions: Actions }) {
  const [keys, setKeys] = useState<Array<KeyRecord & { usage?: Usage }>>([]);
  const [secret, setSecret] = useState<{ name: string; key: string } | null>(null);
  const load = useCallback(async () => {
    const { keys: list } = await callJson<{ keys: KeyRecord[] }>('admin/keys');
    const usage = await Promise.all(
      list.map((key) => callJson<Usage>(`admin/keys/${key.id}/usage`).catch(() => undefined)),
    );
    setKeys(list.map((key, i) => ({ ...key, usage: usage[i] })));
  }, []);
  useEffect(
    () => void load().catch((error: Error) => actions.notify({ kind: 'error', text: error.message })),
    [load, actions],
  );
  const issued = async (promise: Promise<Response>) => {
    const answer = (await (await promise).json()) as { name: string; key: string };
    setSecret({ name: answer.name, key: answer.key });
    await load();
  };
  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      {secret && (
        <div class="secret" role="alert">
          <p>
            Secret of <strong>{secret.name}</strong>, shown this once; copy it now:
          </p>
          <code class="mono">{secret.key}</code>{' '}
          <button type="button" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </div>
      )}
      <CreateKeyForm
        onCreate={(body) =>
          perform(actions, `Created key ${body.name}`, () => issued(post('admin/keys', body)))
        }
      />
      <div class="scroll">
        <table class="keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Id / hint</th>
              <th scope="col">Scopes</th>
              <th scope="col">Limits</th>
              <th scope="col">Tokens today</th>
              <th scope="col">Tokens this month</th>
              <th scope="col">Last used</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id} class={key.revokedAt ? 'quiet' : ''}>
                <th scope="row">{key.name}</th>
                <td class="mono">
                  {key.id}
                  <br />
                  {key.hint}
                </td>
                <td>{key.scopes.join(', ')}</td>
                <td>{limits(key)}</td>
                <td class="num">{key.usage ? count(key.usage.day.total_tokens, 'token') : '–'}</td>
                <td class="num">{key.usage ? count(key.usage.month.total_tokens, 'token') : '–'}</td>
                <td title={exact(key.lastUsedAt ? Date.parse(key.lastUsedAt) : null)}>
                  {key.lastUsedAt ? relative(Date.parse(key.lastUsedAt), now) : 'never'}
                </td>
                <td class="actions">
                  {key.revokedAt ? (
                    <span class="badge">revoked</span>
                  ) : (
                    <>
                      <button
                        type="button"
                        onClick={() =>
                          void perform(actions, `Rotated ${key.name}`, () =>
                            issued(post(`admin/keys/${key.id}/rotate`)),
                          )
                        }
                      >
                        Rotate
                      </button>
                      <button
                        type="button"
                        onClick={() => {
                          if (window.confirm(`Revoke ${key.name}? It stops working at once.`))
                            void perform(actions, `Revoked ${key.name}`, () =>
                              call(`admin/keys/${key.id}`, { method: 'DELETE' }).then(load),
                            );
                        }}
                      >
                        Revoke
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function limits(key: KeyRecord): string {
  const parts = [
    key.rateLimit && `${key.rateLimit.requests} req / ${key.rateLimit.windowSeconds} s`,
    key.tokenQuota && `${count(key.tokenQuota.tokens, 'token')} / ${key.tokenQuota.period}`,
    key.maxConcurrent && `${key.maxConcurrent} at once`,
    key.models && `models: ${key.models.join(', ')}`,
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'defaults';
}

function CreateKeyForm({
  onCreate,
}: {
  onCreate: (body: { name: string; scopes: string[] }) => Promise<boolean>;
}) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['inference']);
  return (
    <form
      class="inline"
      onSubmit={(event) => {
        event.preventDefault();
        void onCreate({ name, scopes }).then((ok) => ok && setName(''));
      }}
    >
      <label for="key-name">New key</label>
      <input
        id="key-name"
        required
        maxLength={100}
        value={name}
        onInput={(e) => setName((e.target as HTMLInputElement).value)}
      />
      <fieldset>
        <legend>Scopes</legend>
        {SCOPES.map((scope) => (
          <label key={scope}>
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(e) =>
                setScopes(
                  (e.target as HTMLInputElement).checked
                    ? [...scopes, scope]
                    : scopes.filter((s) => s !== scope),
                )
              }
            />{' '}
            {scope}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={scopes.length === 0}>
        Create
      </button>
    </form>
  );
}
