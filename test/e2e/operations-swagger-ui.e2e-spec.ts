import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BrowserContext, chromium } from 'playwright-core';

import { TestGrid } from '../support/test-grid';

/** Debian's chromium (scripts/ensure-chromium.sh, run by `make test`); playwright-core never downloads one. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('Operations: Swagger UI in a browser', () => {
  const grid = new TestGrid();
  const profile = mkdtempSync(join(tmpdir(), 'gridllm-chromium-'));
  let browser: BrowserContext;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: run scripts/ensure-chromium.sh (make test does) or apt-get install chromium`,
      );
    }
    await grid.start();
    const fixture = await grid.startFixture({ models: [{ name: 'llama3.2:latest' }] });
    await grid.startGateway();
    await grid.startWorker('worker-ui', fixture);
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
    });
  });

  afterAll(async () => {
    await browser?.close();
    await grid.stop();
    rmSync(profile, { recursive: true, force: true });
  });

  it('runs "Try it out" on GET /api/tags and shows 200 with the fleet\'s model', async () => {
    const page = await browser.newPage();
    await page.goto(`${grid.gatewayUrl}/docs`);
    const tags = page
      .locator('.opblock-get')
      .filter({ has: page.locator('.opblock-summary-path[data-path="/api/tags"]') });

    await tags.locator('.opblock-summary').click();
    await tags.getByRole('button', { name: 'Try it out' }).click();
    await tags.getByRole('button', { name: 'Execute' }).click();

    const response = tags.locator('.live-responses-table .response');
    await response.first().waitFor({ timeout: 15000 });
    expect((await response.locator('.response-col_status').first().innerText()).trim()).toBe('200');
    expect(await response.locator('.response-col_description').first().innerText()).toContain(
      'llama3.2:latest',
    );
  });
});
