import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's security headers, tuned so that nothing a client relies on breaks: Swagger UI's own
 * script, styles and data-URL images stay allowed by the CSP; API responses stay readable from other
 * origins (CORS decides who may call, not Cross-Origin-Resource-Policy); nothing here buffers or
 * compresses, so NDJSON and SSE streams flush as before.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'self'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
  });
}
