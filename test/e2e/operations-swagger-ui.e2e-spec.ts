import type { BrowserContext } from 'playwright-core';

import { launchBrowser } from '../support/browser';
import { TestGrid } from '../support/test-grid';

describe('Operations: Swagger UI in a browser', () => {
  const grid = new TestGrid();
  let browser: BrowserContext;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    await grid.start();
    const fixture = await grid.startFixture({ models: [{ name: 'llama3.2:latest' }] });
    await grid.startGateway();
    await grid.startWorker('worker-ui', fixture);
    ({ context: browser, close: closeBrowser } = await launchBrowser());
  });

  afterAll(async () => {
    await closeBrowser?.();
    await grid.stop();
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
