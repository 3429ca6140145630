import type { NextFunction, Request, RequestHandler, Response } from 'express';

import { errorBody } from '../common/error-body.filter';
import { isPublicPath } from './access-rules';
import { MISSING_CREDENTIALS, presentedCredential } from './credentials';

/**
 * With auth on, a request that presents no credential at all is refused before its body is read, so an
 * anonymous client cannot make the gateway parse up to BODY_LIMIT of JSON. Whether a presented
 * credential is valid stays the AccessGuard's decision. CORS preflights (OPTIONS) carry no credentials.
 */
export function refuseAnonymous(authEnabled: boolean): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!authEnabled || req.method === 'OPTIONS' || isPublicPath(req.path) || presentedCredential(req)) {
      next();
      return;
    }
    res
      .status(401)
      .setHeader('WWW-Authenticate', 'Bearer')
      .type('application/json')
      .send(JSON.stringify(errorBody(req.path, 401, MISSING_CREDENTIALS)));
  };
}
