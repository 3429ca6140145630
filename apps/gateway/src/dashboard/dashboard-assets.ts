import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm run build` bundles the page (apps/gateway/dashboard/build.mjs): dist/apps/gateway/dashboard. */
export const DASHBOARD_ASSETS = join(__dirname, '..', '..', 'dashboard');

/**
 * Serves the dashboard's bundled files at /dashboard (index.html at /dashboard/). Nothing secret is in
 * them; the page asks for a key and the API checks it. Missing assets (a build without the bundle) only
 * cost a warning: the API works without them.
 */
export function serveDashboard(app: NestExpressApplication, dir = DASHBOARD_ASSETS): void {
  if (!existsSync(join(dir, 'index.html'))) {
    new Logger('Dashboard').warn(`no dashboard assets at ${dir}: GET /dashboard answers 404`);
    return;
  }
  app.useStaticAssets(dir, { prefix: '/dashboard', index: 'index.html', fallthrough: true, maxAge: 0 });
}
