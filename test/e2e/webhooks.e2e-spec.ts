import { OllamaFixture } from '../fixtures/ollama-fixture';
import { AppProcess } from '../support/app-process';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';
import { ReceivedCallback, WebhookReceiver, verifyCallback } from '../support/webhook-receiver';

const ADMIN_KEY = 'webhook-admin-key-0123456789';
const GATEWAY_SECRET = 'gateway-webhook-secret-0123';

interface Payload {
  id: string;
  status: string;
  model: string;
  workerId?: string;
  result?: { response: string; done: boolean };
  error?: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  timings: Record<string, unknown>;
}

interface WebhookStatus {
  url: string;
  state: string;
  attemptCount: number;
  attempts: Array<{ statusCode?: number; error?: string }>;
  nextAttemptAt?: string;
}

/** Callbacks of async native jobs: signed, retried, durable across gateway restarts, guarded against SSRF. */
describe('Webhooks', () => {
  const grid = new TestGrid();
  const receiver = new WebhookReceiver();
  let fixture: OllamaFixture;
  /** 8 tokens 300 ms apart: a job there is still running when the test acts on it. */
  let slow: OllamaFixture;
  const gatewayEnv = {
    ADMIN_API_KEY: ADMIN_KEY,
    WEBHOOK_SECRET: GATEWAY_SECRET,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_FIRST_RETRY: '500',
    WEBHOOK_TIMEOUT: '1000',
  };
  const admin = { Authorization: `Bearer ${ADMIN_KEY}` };

  beforeAll(async () => {
    await grid.start();
    await receiver.start();
    fixture = await grid.startFixture({ tokenDelayMs: 20, models: [{ name: 'hook:latest' }] });
    await grid.startGateway(gatewayEnv);
    await grid.startWorker('hook-worker', fixture, { MAX_CONCURRENT_TASKS: '2' });
    slow = await grid.startFixture({ tokenDelayMs: 300, models: [{ name: 'slowhook:latest' }] });
    await grid.startWorker('slow-worker', slow, { MAX_CONCURRENT_TASKS: '2' });
  });

  afterAll(async () => {
    await receiver.stop();
    await grid.stop();
  });

  async function submit(
    body: Record<string, unknown>,
    headers: Record<string, string> = admin,
  ): Promise<string> {
    const response = await postJson(
      `${grid.gatewayUrl}/inference`,
      { model: 'hook', async: true, ...body },
      { headers: { 'Content-Type': 'application/json', ...headers } },
    );
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  async function webhookOf(id: string): Promise<WebhookStatus> {
    const status = (await (
      await fetch(`${grid.gatewayUrl}/inference/${id}/status`, { headers: admin })
    ).json()) as {
      webhook: WebhookStatus;
    };
    return status.webhook;
  }

  const settled = (id: string) =>
    waitFor(
      `callback of ${id} settled`,
      async () => {
        const webhook = await webhookOf(id);
        return webhook.state === 'delivered' || webhook.state === 'gave-up' ? webhook : null;
      },
      30000,
    );

  const payloadOf = (callback: ReceivedCallback) => JSON.parse(callback.body) as Payload;

  it('POSTs the signed outcome of a completed job once, with the job id as delivery and idempotency key', async () => {
    const id = await submit({ prompt: 'call me back', callback_url: receiver.url });

    const webhook = await settled(id);
    const [callback, ...more] = receiver.about(id);
    expect(more).toHaveLength(0);
    expect(webhook).toMatchObject({ url: receiver.url, state: 'delivered', attemptCount: 1 });
    expect(webhook.attempts).toEqual([expect.objectContaining({ statusCode: 200 })]);
    expect(callback.headers['idempotency-key']).toBe(id);
    expect(callback.headers['content-type']).toBe('application/json');
    expect(verifyCallback(callback, GATEWAY_SECRET)).toBe(true);
    expect(verifyCallback({ ...callback, body: callback.body.replace('call', 'cell') }, GATEWAY_SECRET)).toBe(
      false,
    );
    expect(verifyCallback(callback, 'another-secret-entirely')).toBe(false);
    const payload = payloadOf(callback);
    const expected = fixture.expectedTokens('generate', { prompt: 'call me back' });
    expect(payload).toMatchObject({ id, status: 'completed', model: 'hook:latest', workerId: 'hook-worker' });
    expect(payload.result).toMatchObject({ response: expected.join(''), done: true });
    expect(payload.usage).toEqual({
      prompt_tokens: expect.any(Number),
      completion_tokens: expected.length,
      total_tokens: (payload.usage?.prompt_tokens ?? 0) + expected.length,
    });
    expect(payload.timings).toMatchObject({
      submittedAt: expect.any(String),
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      eval_duration: expect.any(Number),
    });
  });

  it('reports failed and cancelled jobs with their error', async () => {
    const failed = await submit({ prompt: 'bad think', think: 'sideways', callback_url: receiver.url });
    const cancelled = await submit({ model: 'slowhook', prompt: 'cancel me', callback_url: receiver.url });
    await fetch(`${grid.gatewayUrl}/inference/${cancelled}`, { method: 'DELETE', headers: admin });

    await settled(failed);
    await settled(cancelled);
    expect(payloadOf(receiver.about(failed)[0])).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/think/),
      usage: null,
    });
    expect(payloadOf(receiver.about(cancelled)[0])).toMatchObject({
      status: 'cancelled',
      error: 'request canceled',
    });
  });

  it('retries after a 500 and a timeout with backoff, and stops at the first 2xx', async () => {
    receiver.answerNext(500, 'hang', 302);
    const id = await submit({ prompt: 'retry me', callback_url: receiver.url });

    const webhook = await settled(id);
    const callbacks = receiver.about(id);
    // The 302 is a failed attempt: redirects are not followed (its Location is never called).
    expect(callbacks.map((callback) => callback.answered)).toEqual([500, 'hang', 302, 200]);
    expect(webhook.state).toBe('delivered');
    expect(webhook.attempts).toEqual([
      expect.objectContaining({ statusCode: 500 }),
      expect.objectContaining({ error: expect.stringMatching(/no answer within 1000 ms/) }),
      expect.objectContaining({ statusCode: 302 }),
      expect.objectContaining({ statusCode: 200 }),
    ]);
    // Backoff: 500 ms, then twice that (plus the 1 s the hanging attempt waited).
    expect(callbacks[1].at - callbacks[0].at).toBeGreaterThanOrEqual(450);
    expect(callbacks[2].at - callbacks[1].at).toBeGreaterThanOrEqual(1950);
    // Every attempt carries the same body and delivery id, each signed afresh.
    expect(new Set(callbacks.map((callback) => callback.body)).size).toBe(1);
    expect(callbacks.every((callback) => verifyCallback(callback, GATEWAY_SECRET))).toBe(true);
  });

  it("signs with the key's own secret and calls the key's default callback when the job names none", async () => {
    const created = (await (
      await postJson(
        `${grid.gatewayUrl}/admin/keys`,
        { name: 'hooked' },
        { headers: { 'Content-Type': 'application/json', ...admin } },
      )
    ).json()) as { id: string; key: string };
    const keySecret = 'the-keys-own-webhook-secret';
    const set = await fetch(`${grid.gatewayUrl}/admin/keys/${created.id}/webhook`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', ...admin },
      body: JSON.stringify({ url: receiver.url, secret: keySecret }),
    });
    const view = await set.json();
    expect(view).toEqual({ id: created.id, url: receiver.url, secretSet: true });
    expect(
      JSON.stringify(
        await (await fetch(`${grid.gatewayUrl}/admin/keys/${created.id}`, { headers: admin })).json(),
      ),
    ).not.toContain(keySecret);

    const id = await submit({ prompt: 'key default' }, { Authorization: `Bearer ${created.key}` });
    await settled(id);
    const [callback] = receiver.about(id);
    expect(verifyCallback(callback, keySecret)).toBe(true);
    expect(verifyCallback(callback, GATEWAY_SECRET)).toBe(false);
  });

  it('delivers the callback of a job that ended while no gateway was up', async () => {
    const before = slow.completed;
    const id = await submit({ model: 'slowhook', prompt: 'nobody home', callback_url: receiver.url });
    await grid.gateway?.stop('SIGKILL');
    await waitFor('the job to end on the worker', () => slow.completed > before);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.about(id)).toHaveLength(0);

    await grid.startGateway(gatewayEnv);
    const webhook = await settled(id);
    expect(webhook.state).toBe('delivered');
    expect(payloadOf(receiver.about(id)[0])).toMatchObject({ id, status: 'completed' });
  });

  it('goes on retrying after a gateway restart between attempts', async () => {
    receiver.answerNext(503);
    const id = await submit({ prompt: 'restart between', callback_url: receiver.url });
    await waitFor('the first attempt', () => receiver.about(id).length === 1);
    // Killed once the attempt is recorded: one whose outcome a crash lost is simply not in the record.
    await waitFor('the first attempt recorded', async () => (await webhookOf(id))?.attempts?.length === 1);
    await grid.gateway?.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1000));

    await grid.startGateway(gatewayEnv);
    const webhook = await settled(id);
    expect(receiver.about(id).map((callback) => callback.answered)).toEqual([503, 200]);
    expect(webhook.attempts.map((attempt) => attempt.statusCode)).toEqual([503, 200]);
  });

  describe('with private targets refused (WEBHOOK_ALLOW_PRIVATE=false)', () => {
    let guarded: AppProcess;
    let guardedUrl: string;

    beforeAll(async () => {
      // Its own key prefix: this gateway must not consume the other gateway's callbacks.
      guarded = await new AppProcess('gateway', { ...grid.redisEnv(), REDIS_PREFIX: 'guarded' }).start();
      guardedUrl = await guarded.url;
    });

    afterAll(() => guarded.stop('SIGKILL'));

    const submitTo = (callback_url: unknown, extra: Record<string, unknown> = {}) =>
      postJson(`${guardedUrl}/inference`, {
        model: 'hook',
        prompt: 'x',
        async: true,
        callback_url,
        ...extra,
      });

    it.each([
      'http://127.0.0.1:9/hook',
      'http://localhost:9/hook',
      'http://[::1]:9/hook',
      'http://[::ffff:127.0.0.1]:9/hook',
      'http://10.0.0.7/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://0.0.0.0:9/hook',
    ])('refuses %s with 400 at submission', async (target) => {
      const response = await submitTo(target);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(
        /refused: .*WEBHOOK_ALLOW_PRIVATE/,
      );
    });

    it.each([
      ['ftp://example.com/hook', /http or https/],
      ['not a url', /not a valid URL/],
      ['http://user:pw@example.com/hook', /credentials/],
      [42, /callback_url must be a string/],
    ])('refuses the malformed callback_url %p with 400', async (target, message) => {
      const response = await submitTo(target);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    });

    it('refuses a callback on a job that is not async, and one it has no secret to sign', async () => {
      const sync = await submitTo('http://8.8.8.8/hook', { async: false });
      expect(sync.status).toBe(400);
      expect(((await sync.json()) as { error: string }).error).toMatch(/needs async:true/);
      const unsigned = await submitTo('http://8.8.8.8/hook');
      expect(unsigned.status).toBe(400);
      expect(((await unsigned.json()) as { error: string }).error).toMatch(/signing secret/);
    });
  });
});
