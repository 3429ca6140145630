import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Stricter than the gateway's default CSP (which allows inline styles for Swagger UI): the page's script
 * and styles are its own files, and Preact and uPlot set styles through the CSSOM, which CSP allows.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

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
  app.use('/dashboard', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
    next();
  });
  app.useStaticAssets(dir, { prefix: '/dashboard', index: 'index.html', fallthrough: true, maxAge: 0 });
}
