/**
 * What access control adds (issue 15's last row): two more gateways on the same Redis and worker, started
 * together (the same age, so the same warm-up of their code): one with auth off, one with auth on (a
 * stored API key) and a rate limit in force. Both are brought to their steady state under load first, as
 * the bench's other rows are (a fresh gateway runs unoptimised code for its first ~2,000 requests, and the
 * guarded one has more of it); then both get the same requests, Authorization header included (a gateway
 * with auth off ignores it), ABBA.
 */
import { AppProcess } from '../test/support/app-process';
import { BenchGrid } from './grid';
import { BenchHttpClient } from './http-client';
import { generateOnce, listModels } from './probes';
import { latency, Probe, Side, SideResult, steadyState, Targets } from './scenarios';
import type { BenchSettings } from './settings';

/** The admin key of a bench gateway with auth on (also `npm run bench:access`). */
export const ADMIN_KEY = 'bench-admin-key-0123456789';

/** Each case measured with auth off ("direct" side) and on ("gateway" side). */
export interface AccessResults {
  requests: number;
  /** The steady-state warm-up each gateway had per probe before the measured requests (0: none). */
  warmupMs: number;
  concurrency: number;
  /** POST /api/generate stream:false: the request the other rows measure (auth, rate limit, owner accounting). */
  generate: Record<Side, SideResult>;
  /** GET /api/tags: no job, so only the guards (key lookup, rate-limit count) differ. */
  tags: Record<Side, SideResult>;
}

/** Measured requests per side and request; model, warm-up and blocks are the bench's own. */
export interface AccessSettings {
  requests: number;
}

/** The bench's steady-state warm-up (BenchSettings): this long per gateway and probe at `concurrency`. */
export interface SteadyWarmup {
  concurrency: number;
  steadyStateWarmupMs: number;
}

export class AccessPhase {
  constructor(
    private readonly grid: BenchGrid,
    private readonly client: BenchHttpClient,
    private readonly settings: Pick<BenchSettings, 'model' | 'warmup' | 'blockSize'> &
      AccessSettings &
      SteadyWarmup,
    private readonly log: (line: string) => void,
  ) {}

  async run(): Promise<AccessResults> {
    const pair = await startAccessGateways(this.grid);
    try {
      const { open, guarded, headers } = pair;
      this.log(`gateways with auth off ${open.url.origin} and on, with a rate limit, ${guarded.url.origin}`);
      const targets: Targets = { direct: open.url, gateway: guarded.url };
      const { requests, warmup, blockSize } = this.settings;
      const plan = { warmup, count: requests, blockSize };
      const [generateProbe, tagsProbe] = withKey(headers, [generateOnce(this.settings.model), listModels()]);
      await warmAccessGateways(this.client, pair, [generateProbe, tagsProbe], this.settings, this.log);
      this.log(`auth off vs on: generate stream:false and GET /api/tags, ${requests} per side each, ABBA`);
      const generate = await latency(this.client, targets, generateProbe, plan);
      const tags = await latency(this.client, targets, tagsProbe, plan);
      const { steadyStateWarmupMs: warmupMs, concurrency } = this.settings;
      return { requests, warmupMs, concurrency, generate, tags };
    } finally {
      await Promise.all([stopQuietly(pair.open.app), stopQuietly(pair.guarded.app)]);
    }
  }
}

/** The probes with the access pair's Authorization header. */
export function withKey(headers: Record<string, string>, probes: readonly Probe[]): Probe[] {
  return probes.map((probe) => ({ ...probe, spec: { ...probe.spec, headers } }));
}

/** Brings both gateways of an access pair to their steady state under load (see steadyState). */
export async function warmAccessGateways(
  client: BenchHttpClient,
  pair: { open: AccessGateway; guarded: AccessGateway },
  probes: readonly Probe[],
  { concurrency, steadyStateWarmupMs }: SteadyWarmup,
  log: (line: string) => void,
): Promise<void> {
  if (steadyStateWarmupMs <= 0) return;
  log(`auth off and on: warm-up under load, ${steadyStateWarmupMs / 1000} s per gateway and probe`);
  await steadyState(client, [pair.open.url, pair.guarded.url], probes, concurrency, steadyStateWarmupMs);
}

/** A started gateway of an access pair and its URL. */
interface AccessGateway {
  app: AppProcess;
  url: URL;
}

/**
 * Two more gateways on `grid`, started together (the same age, so the same warm-up of their code): one
 * with auth off, one with auth on (ADMIN_KEY) and a rate limit in force but never reached; and the
 * Authorization header of an API key created on the second, for both (auth off ignores it).
 */
export async function startAccessGateways(
  grid: BenchGrid,
): Promise<{ open: AccessGateway; guarded: AccessGateway; headers: Record<string, string> }> {
  const [open, guarded] = await Promise.all([
    grid.startGateway({}),
    grid.startGateway({
      ADMIN_API_KEY: ADMIN_KEY,
      // High enough never to refuse: what counting costs is what is measured.
      RATE_LIMIT_REQUESTS: '100000000',
    }),
  ]);
  const [openUrl, guardedUrl] = await Promise.all([open.url, guarded.url]);
  const headers = { Authorization: `Bearer ${await createKey(guardedUrl)}` };
  return {
    open: { app: open, url: new URL(openUrl) },
    guarded: { app: guarded, url: new URL(guardedUrl) },
    headers,
  };
}

/** Creates an API key on a gateway started with ADMIN_API_KEY = ADMIN_KEY; resolves to its secret. */
export async function createKey(gatewayUrl: string): Promise<string> {
  const response = await fetch(`${gatewayUrl}/admin/keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  if (response.status !== 201 && response.status !== 200)
    throw new Error(`creating an API key answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { key: string }).key;
}

async function stopQuietly(gateway: AppProcess): Promise<void> {
  await gateway.stop('SIGKILL').catch(() => undefined);
}
