import { OllamaFixture } from '../fixtures/ollama-fixture';
import { TestGrid, postJson, readNdjson } from './test-grid';

/** How one in-flight request ended, as its client saw it. */
export interface ClientOutcome {
  prompt: string;
  streaming: boolean;
  verdict: 'completed' | 'clean-error' | 'bad';
  /** HTTP status, and for a bad verdict what was wrong. */
  detail: string;
}

/** Longest any request of the load may take before it counts as hung. */
const HANG_MS = 90_000;
/** A probe's answer (the failover specs' fixtures: ≤ 3 s) after a wait for a slot of up to one more answer. */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * The load of a Redis failover test: streaming and non-streaming requests in flight, async native jobs
 * accepted, and probes that time when new requests succeed again. Every outcome is judged against the
 * fixture's deterministic text, so corrupt or truncated answers cannot pass as completed.
 */
export class FailoverLoad {
  constructor(
    private readonly grid: TestGrid,
    private readonly fixture: OllamaFixture,
    private readonly model: string,
  ) {}

  /** Starts `count` requests, half streaming NDJSON, half `stream:false`; resolves when all have ended. */
  run(count: number, tag: string): Promise<ClientOutcome[]> {
    return Promise.all(
      Array.from({ length: count }, (_, n) => this.request(`${tag} load ${n}`, n % 2 === 0)),
    );
  }

  /** Submits `count` async native jobs; returns the ids of those answered 202. */
  async submitAsync(count: number, tag: string): Promise<string[]> {
    const ids: string[] = [];
    for (let n = 0; n < count; n++) {
      const response = await postJson(`${this.grid.gatewayUrl}/inference`, {
        model: this.model,
        prompt: `${tag} async ${n}`,
        async: true,
      });
      if (response.status === 202) ids.push(((await response.json()) as { id: string }).id);
    }
    return ids;
  }

  /** Async jobs whose id the grid no longer knows (404), once every other one has completed or failed. */
  async lostJobs(ids: readonly string[], timeoutMs = 60_000): Promise<{ lost: string[]; failed: string[] }> {
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(ids);
    const lost: string[] = [];
    const failed: string[] = [];
    while (pending.size > 0 && Date.now() < deadline) {
      for (const id of [...pending]) {
        const response = await fetch(`${this.grid.gatewayUrl}/inference/${id}/status`);
        const state = response.status === 200 ? ((await response.json()) as { state: string }).state : null;
        if (response.status === 404) lost.push(id);
        if (state === 'failed' || state === 'cancelled') failed.push(id);
        if (response.status === 404 || state === 'completed' || state === 'failed' || state === 'cancelled')
          pending.delete(id);
      }
      if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (pending.size > 0) throw new Error(`${pending.size} async jobs neither finished nor vanished`);
    return { lost, failed };
  }

  /**
   * Sends a small request to `model` every 200 ms from `since` until one succeeds; returns the ms from
   * `since` to that success. A probe may have to wait for a slot behind the load's jobs, which outlive the
   * failover (one answer), and then takes its own answer: PROBE_TIMEOUT_MS covers both, so such a probe
   * counts as the success it is (a 5 s timeout cut it off and the next probe started over, adding 5 s).
   */
  async timeToSuccess(model: string, since: number, timeoutMs = 60_000): Promise<number> {
    for (let n = 0; Date.now() - since < timeoutMs; n++) {
      const response = await postJson(
        `${this.grid.gatewayUrl}/api/generate`,
        { model, prompt: `probe ${n}`, stream: false },
        { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) },
      ).catch(() => null);
      if (
        response?.status === 200 &&
        typeof ((await response.json()) as { response?: unknown }).response === 'string'
      )
        return Date.now() - since;
      await response?.body?.cancel().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`no request to ${model} succeeded within ${timeoutMs} ms`);
  }

  private async request(prompt: string, streaming: boolean): Promise<ClientOutcome> {
    const expected = this.fixture.expectedTokens('generate', { prompt }).join('');
    const judge = (verdict: ClientOutcome['verdict'], detail: string) => ({
      prompt,
      streaming,
      verdict,
      detail,
    });
    try {
      const response = await postJson(
        `${this.grid.gatewayUrl}/api/generate`,
        { model: this.model, prompt, stream: streaming },
        { signal: AbortSignal.timeout(HANG_MS) },
      );
      if (!streaming) return judgeJson(response, expected, judge);
      if (response.status !== 200) return judgeJson(response, expected, judge);
      const lines = (await readNdjson(response)).map(
        ({ line }) => JSON.parse(line) as Record<string, unknown>,
      );
      return judgeStream(lines, expected, judge);
    } catch (error) {
      return judge('bad', `no answer: ${(error as Error).message}`);
    }
  }
}

type Judge = (verdict: ClientOutcome['verdict'], detail: string) => ClientOutcome;

async function judgeJson(response: Response, expected: string, judge: Judge): Promise<ClientOutcome> {
  const body = (await response.json().catch(() => ({}))) as { response?: unknown; error?: unknown };
  if (response.status === 200 && body.response === expected) return judge('completed', '200');
  if (response.status === 503 && typeof body.error === 'string')
    return judge('clean-error', `503 ${body.error}`);
  return judge('bad', `${response.status} ${JSON.stringify(body).slice(0, 200)}`);
}

/** Complete: exactly the fixture's text and one final line. Clean error: a true prefix, then one error line. */
function judgeStream(lines: Array<Record<string, unknown>>, expected: string, judge: Judge): ClientOutcome {
  const last = lines[lines.length - 1] ?? {};
  const text = lines.map((line) => (typeof line.response === 'string' ? line.response : '')).join('');
  const finals = lines.filter((line) => line.done === true).length;
  if (last.done === true && finals === 1 && text === expected) return judge('completed', '200');
  if (typeof last.error === 'string' && finals === 0 && expected.startsWith(text))
    return judge('clean-error', `200 then ${last.error}`);
  return judge('bad', `stream of ${lines.length} lines ending ${JSON.stringify(last).slice(0, 200)}`);
}

/** Counts of each verdict, for the report. */
export function tally(outcomes: readonly ClientOutcome[]): Record<ClientOutcome['verdict'], number> {
  const counts = { completed: 0, 'clean-error': 0, bad: 0 };
  for (const outcome of outcomes) counts[outcome.verdict]++;
  return counts;
}
