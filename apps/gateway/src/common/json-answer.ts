import type { Response } from 'express';

/**
 * One JSON object as the whole answer (a 200 by default), as the families answer `stream:false`. Written
 * with Node's own calls: Express's `send` sets the same two headers after work that never applies to these
 * answers (charset parsing, ETag settings, a freshness check for a POST, a copy of a long body into a
 * Buffer); issue 15, docs/benchmarks.md.
 */
export function sendJson(res: Response, body: object, status = 200): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
