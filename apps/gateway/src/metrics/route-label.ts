/** What an HTTP request's metrics labels are made of (an Express request after it was handled). */
export interface HandledRequest {
  method?: string;
  route?: { path?: unknown };
}

/** The label of requests no route handled: 404s, body errors answered before routing, static files. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route pattern (`/inference/:id/status`), never the raw URL: ids and typos in URLs would make a
 * new series each. Requests that matched no route share one label.
 */
export function routeLabel(req: HandledRequest): string {
  const path = req.route?.path;
  return typeof path === 'string' && path.length > 0 ? path : UNMATCHED_ROUTE;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Standard methods as sent; anything else (a client can send any token) as `other`. */
export function methodLabel(req: HandledRequest): string {
  const method = (req.method ?? '').toUpperCase();
  return KNOWN_METHODS.has(method) ? method : 'other';
}
