import { OllamaFixture } from '../fixtures/ollama-fixture';
import { AppProcess } from '../support/app-process';
import { TestGrid, postJson, readNdjson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const REQUEST_ID = 'marker-req-123';
const PROMPT_MARKER = 'zebraquokka7prompt';
const CHAT_MARKER = 'lemurpangolin3chat';
const KEY_MARKER = 'marker-secret-key-xyz';
const LOGGING = { LOG_LEVEL: 'debug', LOG_FORMAT: 'json' };

type LogEntry = Record<string, unknown>;

/** Every line the process printed, parsed; a line that is not JSON fails the test here. */
function entries(app: AppProcess): LogEntry[] {
  return app.logs
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => {
      try {
        return JSON.parse(line) as LogEntry;
      } catch {
        throw new Error(`${app.app} printed a line that is not JSON: ${line}`);
      }
    });
}

function accessLine(gateway: AppProcess, requestId: string): Promise<LogEntry> {
  return waitFor(`access log line of ${requestId}`, () =>
    entries(gateway).find((entry) => entry.context === 'AccessLog' && entry.requestId === requestId),
  );
}

describe('Operations: logs', () => {
  const grid = new TestGrid();
  let fixture: OllamaFixture;
  let gateway: AppProcess;
  let worker: AppProcess;

  beforeAll(async () => {
    await grid.start();
    fixture = await grid.startFixture({ models: [{ name: 'llama3.2:latest' }] });
    gateway = await grid.startGateway(LOGGING);
    worker = await grid.startWorker('worker-logs', fixture, LOGGING);
  });

  afterAll(() => grid.stop());

  describe('request ids', () => {
    it("returns the client's x-request-id and logs it on the gateway's access line and the worker's job lines", async () => {
      const body = { model: 'llama3.2', prompt: 'Why is the sky blue?' };
      const response = await postJson(`${grid.gatewayUrl}/api/generate`, body, {
        headers: { 'Content-Type': 'application/json', 'x-request-id': REQUEST_ID },
      });
      await readNdjson(response);
      const jobId = response.headers.get('x-gridllm-job-id');

      expect(response.headers.get('x-request-id')).toBe(REQUEST_ID);
      const access = await accessLine(gateway, REQUEST_ID);
      expect(access).toMatchObject({
        level: 'info',
        service: 'gateway',
        method: 'POST',
        route: '/api/generate',
        status: 200,
        jobId,
        workerId: 'worker-logs',
        tokens: fixture.expectedTokens('generate', body).length,
      });
      expect(access.durationMs).toEqual(expect.any(Number));
      expect(access.queueMs).toEqual(expect.any(Number));

      const jobLines = await waitFor('worker lines of the job', () => {
        const lines = entries(worker).filter((entry) => entry.requestId === REQUEST_ID);
        return lines.some((entry) => String(entry.message).includes('completed')) && lines;
      });
      expect(jobLines.length).toBeGreaterThanOrEqual(2);
      for (const line of jobLines) expect(line).toMatchObject({ jobId, workerId: 'worker-logs' });
    });

    it('generates a request id when the client sends none, and logs requests that match no route', async () => {
      const response = await fetch(`${grid.gatewayUrl}/no/such/route?token=abc`);
      const requestId = response.headers.get('x-request-id') ?? '';

      expect(response.status).toBe(404);
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(await accessLine(gateway, requestId)).toMatchObject({
        method: 'GET',
        route: '/no/such/route',
        status: 404,
      });
    });

    it('carries the request id of a native async job to the worker', async () => {
      const response = await postJson(
        `${grid.gatewayUrl}/inference`,
        { model: 'llama3.2', prompt: 'Hi', async: true },
        { headers: { 'Content-Type': 'application/json', 'x-request-id': 'marker-async-1' } },
      );
      const { id } = (await response.json()) as { id: string };

      expect(response.status).toBe(202);
      expect(await accessLine(gateway, 'marker-async-1')).toMatchObject({ status: 202, jobId: id });
      await waitFor('worker line of the async job', () =>
        entries(worker).some((entry) => entry.requestId === 'marker-async-1' && entry.jobId === id),
      );
    });
  });

  describe('content and secrets', () => {
    it('never logs prompts, generated text or keys, whichever API carried them', async () => {
      const auth = { authorization: `Bearer ${KEY_MARKER}`, 'x-api-key': KEY_MARKER };
      const headers = { 'Content-Type': 'application/json', ...auth };
      const generate = { model: 'llama3.2', prompt: `tell me about ${PROMPT_MARKER}`, stream: false };
      const chat = { model: 'llama3.2', messages: [{ role: 'user', content: `hello ${CHAT_MARKER}` }] };
      const answers = await Promise.all([
        postJson(`${grid.gatewayUrl}/api/generate`, generate, { headers }).then((r) => r.text()),
        postJson(`${grid.gatewayUrl}/ollama/api/chat`, chat, { headers }).then((r) => r.text()),
        postJson(`${grid.gatewayUrl}/inference`, { ...generate, priority: 'high' }, { headers }).then((r) =>
          r.text(),
        ),
        postJson(`${grid.gatewayUrl}/api/generate`, `{"model":"llama3.2","prompt":"${PROMPT_MARKER}`, {
          headers,
        }).then((r) => r.text()),
      ]);
      const generated = fixture.expectedTokens('generate', generate).join('');
      expect(answers[0]).toContain(JSON.stringify(generated).slice(1, -1));
      expect(answers[1]).toContain(`${CHAT_MARKER}_1`);
      // Every request has been logged (the access line comes last), so everything it caused is printed.
      await waitFor('access lines of the four requests', () => {
        const lines = entries(gateway).filter((entry) => entry.context === 'AccessLog');
        return (
          lines.filter((entry) =>
            ['/api/generate', '/ollama/api/chat', '/inference'].includes(String(entry.route)),
          ).length >= 6
        );
      });

      for (const app of [gateway, worker]) {
        expect(app.logs).not.toContain(PROMPT_MARKER);
        expect(app.logs).not.toContain(CHAT_MARKER);
        expect(app.logs).not.toContain(KEY_MARKER);
        expect(app.logs).not.toContain(generated.trim());
      }
    });
  });

  describe('format', () => {
    it('writes only JSON lines with a level, a time and a message when LOG_FORMAT=json', () => {
      for (const app of [gateway, worker]) {
        const lines = entries(app);
        expect(lines.length).toBeGreaterThan(5);
        for (const line of lines) {
          expect(line).toEqual(
            expect.objectContaining({
              level: expect.any(String),
              timestamp: expect.any(String),
              service: app.app,
            }),
          );
          expect(line).toHaveProperty('message');
        }
      }
    });
  });
});
