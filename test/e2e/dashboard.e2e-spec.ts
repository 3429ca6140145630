import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BrowserContext, Page } from 'playwright-core';

import { AppProcess } from '../support/app-process';
import { launchBrowser } from '../support/browser';
import { TestGrid, postJson } from '../support/test-grid';
import { waitFor } from '../support/wait-for';

const MODEL = 'llama3.2:latest';
const ADMIN_KEY = 'dashboard-admin-key-0123456789abcdef';
/** Screenshots go to a tmp dir; with UPDATE_SCREENSHOTS=1 the two the README shows replace docs/dashboard-*.png. */
const SHOTS = mkdtempSync(join(tmpdir(), 'gridllm-dashboard-'));
const DOCS = join(__dirname, '..', '..', 'docs');
const shot = (name: string) =>
  join(process.env.UPDATE_SCREENSHOTS === '1' && DOCUMENTED.has(name) ? DOCS : SHOTS, name);
const DOCUMENTED = new Set(['dashboard-fleet.png', 'dashboard-jobs.png']);

/** What the chart test reads of a canvas (the test's tsconfig has no DOM types). */
interface PixelCanvas {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/**
 * The live dashboard in headless Chromium against a real grid: Redis, a gateway, two workers in front of
 * the Ollama fixture (one slot each, 25 ms per token, so a 300-token answer streams for several seconds).
 */
describe('Dashboard in a browser', () => {
  const grid = new TestGrid();
  let browser: BrowserContext;
  let closeBrowser: () => Promise<void>;
  const streams: Array<Promise<unknown>> = [];

  beforeAll(async () => {
    await grid.start();
    const options = { models: [{ name: MODEL }], tokenDelayMs: 25, tokensPerAnswer: 300 };
    const [a, b] = [await grid.startFixture(options), await grid.startFixture(options)];
    await grid.startGateway();
    await grid.startWorker('worker-a', a, { MAX_CONCURRENT_TASKS: '1' });
    await grid.startWorker('worker-b', b, { MAX_CONCURRENT_TASKS: '1' });
    ({ context: browser, close: closeBrowser } = await launchBrowser({
      viewport: { width: 1280, height: 800 },
    }));
    process.stdout.write(`dashboard screenshots: ${SHOTS}\n`);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(streams);
    await closeBrowser?.();
    await grid.stop();
  });

  /** A streaming generate that keeps a worker busy for about `tokens` × 25 ms. */
  const longJob = (tokens = 300) => {
    const done = postJson(`${grid.gatewayUrl}/api/generate`, {
      model: MODEL,
      prompt: 'tell me a long story',
      options: { num_predict: tokens },
    }).then((response) => response.text());
    streams.push(done.catch(() => undefined));
    return done;
  };

  const open = async (view: string): Promise<Page> => {
    const page = await browser.newPage();
    await page.goto(`${grid.gatewayUrl}/dashboard/#${view}`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });
    return page;
  };

  it('lists both workers in the fleet view with their state, slots and models, with no console error', async () => {
    const page = await browser.newPage();
    // A Content-Security-Policy refusal of the page's own script or style shows up here.
    const errors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(`${grid.gatewayUrl}/dashboard`);
    expect(response?.headers()['content-security-policy']).toContain("style-src 'self';");
    expect(response?.headers()['content-security-policy']).not.toContain('unsafe-inline');
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });
    for (const id of ['worker-a', 'worker-b']) {
      const row = page.locator(`tr[data-worker="${id}"]`);
      await row.waitFor();
      expect(await row.locator('.state').innerText()).toBe('ready');
      expect(await row.innerText()).toContain(MODEL);
      expect(await row.innerText()).toMatch(/0 \/ 1/);
    }
    expect(errors).toEqual([]);
    // By keyboard: Tab reaches the views' links in order, Enter opens one.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').innerText()).toBe('Queues');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Queues' }).waitFor();
    await page.close();
  }, 60_000);

  it('shows a long streaming job under running with its token count moving, then under finished', async () => {
    const page = await open('jobs');
    const finishedJob = longJob(200);
    const row = page.locator('table.running tbody tr[data-job]');
    await row.first().waitFor({ timeout: 15_000 });
    const jobId = await row.first().getAttribute('data-job');
    const tokens = async () => Number((await row.first().locator('.tokens').innerText()).replace(/\D/g, ''));
    const first = await waitFor('tokens streaming', async () => ((await tokens()) > 0 ? tokens() : null));
    const later = await waitFor('the token count to move', async () => {
      const now = await tokens();
      return now > first ? now : null;
    });
    expect(later).toBeGreaterThan(first);
    expect(await row.first().innerText()).toMatch(/worker-[ab]/);
    await page.screenshot({ path: shot('dashboard-jobs-running.png') });
    await finishedJob;
    const finished = page.locator(`table.finished tr[data-job="${jobId}"]`);
    await finished.waitFor({ timeout: 15_000 });
    expect(await finished.locator('.outcome').innerText()).toBe('completed');
    expect(await finished.innerText()).toContain('200 tokens');
    await waitFor('the running table to empty', async () => (await row.count()) === 0);
    await page.screenshot({ path: shot('dashboard-jobs-finished.png'), fullPage: true });
    await page.close();
  }, 90_000);

  it('shows a queued job in the queue table while both workers are busy, and cancels it', async () => {
    const page = await open('queues');
    // Collected in `streams` (awaited after the tests); one of the two is cancelled below.
    void longJob();
    void longJob();
    await waitFor('both workers busy', async () => {
      const workers = (await (await fetch(`${grid.gatewayUrl}/admin/dashboard`)).json()) as {
        running: unknown[];
      };
      return workers.running.length === 2;
    });
    const queued = longJob(5);
    const row = page.locator(`tr[data-queue="${MODEL} medium"]`);
    await waitFor(
      'the queued job in the table',
      async () => (await row.locator('.depth').innerText()) === '1 job',
    );
    await page.screenshot({ path: shot('dashboard-queues.png') });
    // Cancel both running jobs from the jobs view: the queued one then runs and the queue empties.
    await page.goto(`${grid.gatewayUrl}/dashboard/#jobs`);
    const cancels = page.getByRole('button', { name: /^Cancel job / });
    await cancels.first().waitFor();
    const cancelledId = (await cancels.first().getAttribute('aria-label'))?.replace('Cancel job ', '') ?? '';
    await cancels.first().click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Cancelled/ })
      .waitFor();
    const status = await waitFor('the API to call it cancelled', async () => {
      const answer = (await (await fetch(`${grid.gatewayUrl}/inference/${cancelledId}/status`)).json()) as {
        state: string;
      };
      return answer.state === 'cancelled' ? answer.state : null;
    });
    expect(status).toBe('cancelled');
    expect(await queued).toContain('"done":true');
    await page
      .locator(`table.finished tr[data-job="${cancelledId}"] .outcome`)
      .filter({ hasText: 'cancelled' })
      .waitFor();
    await page.screenshot({ path: shot('dashboard-jobs.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: shot('dashboard-jobs-dark.png'), fullPage: true });
    await page.close();
  }, 90_000);

  it('turns a worker cordoned with its Cordon button, and the API agrees; Uncordon undoes it', async () => {
    const page = await open('fleet');
    const row = page.locator('tr[data-worker="worker-b"]');
    await row.getByRole('button', { name: 'Cordon' }).click();
    await waitFor(
      'the row to say cordoned',
      async () => (await row.locator('.state').innerText()) === 'cordoned',
    );
    const worker = (await (await fetch(`${grid.gatewayUrl}/admin/workers/worker-b`)).json()) as {
      status: string;
    };
    expect(worker.status).toBe('cordoned');
    await page.screenshot({ path: shot('dashboard-fleet.png') });
    await row.getByRole('button', { name: 'Uncordon' }).click();
    await waitFor('the row to say ready', async () => (await row.locator('.state').innerText()) === 'ready');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: shot('dashboard-fleet-390.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('draws the charts from the series in Redis', async () => {
    const page = await open('charts');
    for (const chart of ['requests', 'tokens', 'queued', 'ttft']) {
      const canvas = page.locator(`figure[data-chart="${chart}"] canvas`);
      await canvas.waitFor();
      const painted = await canvas.evaluate((element) => {
        const canvas = element as unknown as PixelCanvas;
        const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
        let count = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) count++;
        return count;
      });
      expect(painted).toBeGreaterThan(100);
    }
    const series = (await (await fetch(`${grid.gatewayUrl}/admin/dashboard`)).json()) as {
      series: Array<{ tokens: number; requests: number }>;
    };
    expect(series.series.some((point) => point.tokens > 0)).toBe(true);
    expect(series.series.some((point) => point.requests > 0)).toBe(true);
    await page.screenshot({ path: shot('dashboard-charts.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('creates a key showing its secret once, and revokes it, through the Keys view', async () => {
    const page = await open('keys');
    page.on('dialog', (dialog) => void dialog.accept());
    await page.getByLabel('New key').fill('e2e-team');
    await page.getByRole('button', { name: 'Create' }).click();
    const secret = page.locator('.secret');
    await secret.waitFor();
    expect(await secret.innerText()).toMatch(/gllm_/);
    const row = page.locator('table.keys tr').filter({ hasText: 'e2e-team' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.locator('.badge').filter({ hasText: 'revoked' }).waitFor();
    const { keys } = (await (await fetch(`${grid.gatewayUrl}/admin/keys`)).json()) as {
      keys: Array<{ name: string; revokedAt?: string }>;
    };
    expect(keys.find((key) => key.name === 'e2e-team')?.revokedAt).toBeDefined();
    await page.close();
  }, 60_000);

  describe('with auth on', () => {
    let secured: AppProcess;
    let url: string;

    beforeAll(async () => {
      secured = await new AppProcess('gateway', { ...grid.redisEnv(), ADMIN_API_KEY: ADMIN_KEY }).start();
      url = await secured.url;
    }, 60_000);

    afterAll(async () => {
      await secured?.stop('SIGKILL');
    });

    const signIn = async (page: Page, key: string) => {
      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
    };

    it('asks for a key, refuses a wrong one with a clear message, and opens with the admin key', async () => {
      const page = await browser.newPage();
      await page.goto(`${url}/dashboard/`);
      await page.getByLabel('API key').waitFor();
      await signIn(page, 'gllm_wrong');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).toMatch(/not accepted.*invalid API key/);
      await signIn(page, ADMIN_KEY);
      await page.locator('tr[data-worker="worker-a"]').waitFor({ timeout: 15_000 });
      expect(page.url()).not.toContain(ADMIN_KEY);
      expect(secured.logs).not.toContain(ADMIN_KEY);
      await page.close();
    }, 60_000);

    it('lets a dashboard-scope key watch but not act', async () => {
      const created = await postJson(
        `${url}/admin/keys`,
        { name: 'wallboard', scopes: ['dashboard'] },
        { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_KEY}` } },
      );
      const { key } = (await created.json()) as { key: string };
      const page = await browser.newPage();
      await page.goto(`${url}/dashboard/`);
      await signIn(page, key);
      await page.locator('tr[data-worker="worker-a"]').waitFor({ timeout: 15_000 });
      expect(await page.getByText('read-only').count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Cordon' }).count()).toBe(0);
      const cordon = await fetch(`${url}/admin/workers/worker-a/cordon`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}` },
      });
      expect(cordon.status).toBe(403);
      await page.close();
    }, 60_000);
  });
});
