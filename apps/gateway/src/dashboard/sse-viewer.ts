import type { Request, Response } from 'express';

import type { DashboardFeed, DashboardViewer } from './dashboard-feed.service';

/**
 * Turns one HTTP response into a viewer of the feed until the client leaves. A viewer that cannot keep
 * up (its socket buffer full) skips updates rather than making the gateway hold them.
 */
export async function openSseViewer(feed: DashboardFeed, req: Request, res: Response): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  // nginx and similar proxies buffer responses unless told not to.
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  const viewer: DashboardViewer = {
    send: (text) => {
      if (!res.writableEnded && !res.writableNeedDrain) res.write(text);
    },
    end: () => {
      if (!res.writableEnded) res.end();
    },
  };
  res.on('close', () => feed.leave(viewer));
  await feed.join(viewer);
}
