import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';

/**
 * Nest's Express adapter with an HTTP server that builds every request and response on Express's own
 * prototypes from the start.
 *
 * Express's `app.handle` gives each request and response its prototypes (`app.request`, `app.response`)
 * with `Object.setPrototypeOf`. Done to a plain `IncomingMessage`/`ServerResponse`, that gave the objects
 * new hidden classes on every request: the code that reads them (Express, Nest, ours) never settled on
 * their shapes, and every request's objects (the request, the response and all they reach) stayed alive
 * through V8's young-generation collections until the next full one. Here the server builds them with
 * subclasses whose prototypes take the place of Express's, so that call changes nothing (docs/benchmarks.md,
 * sixteenth round). HTTPS and Nest's connection tracking keep Nest's own server (the gateway uses neither).
 */
export class PrototypedExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    if (options.httpsOptions || options.forceCloseConnections) return super.initHttpServer(options);
    const app = this.getInstance<Express>();
    const Request = inPlaceOf(class GatewayRequest extends IncomingMessage {}, app.request);
    const Response = inPlaceOf(class GatewayResponse extends ServerResponse {}, app.response);
    // The subclasses' prototypes now hold everything Express's did (inPlaceOf).
    app.request = Request.prototype as typeof app.request;
    app.response = Response.prototype as typeof app.response;
    this.httpServer = createServer({ IncomingMessage: Request, ServerResponse: Response }, app);
  }
}

/**
 * Gives `subclass.prototype` what Express's per-app prototype `replaced` has: its own properties (`app`)
 * and its parent (Express's request or response methods, which inherit from Node's class in turn), so the
 * subclass's prototype can stand in for it.
 */
export function inPlaceOf<T extends abstract new (...args: never[]) => object>(
  subclass: T,
  replaced: object,
): T {
  Object.setPrototypeOf(subclass.prototype, Object.getPrototypeOf(replaced) as object);
  Object.defineProperties(subclass.prototype, Object.getOwnPropertyDescriptors(replaced));
  return subclass;
}
