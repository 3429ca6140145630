import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';

/**
 * Nest's Express adapter with an HTTP server that builds every request and response on Express's own
 * prototypes (`app.request`, `app.response`) from the start.
 *
 * Express's `app.handle` gives each request and response those prototypes with `Object.setPrototypeOf`.
 * Done to a plain `IncomingMessage`/`ServerResponse`, that kept every request's objects (the request, the
 * response and all they reach: router closures, headers, the job's signals) alive through V8's
 * young-generation collections until the next full one; done to an object that has the prototype already,
 * it changes nothing (docs/benchmarks.md, sixteenth round). HTTPS and Nest's connection tracking keep
 * Nest's own server (the gateway uses neither), and so does a Node whose constructors are classes.
 */
export class PrototypedExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    if (options.httpsOptions || options.forceCloseConnections || !callable(IncomingMessage, ServerResponse)) {
      return super.initHttpServer(options);
    }
    const app = this.getInstance<Express>();
    this.httpServer = createServer(
      {
        IncomingMessage: onPrototype<typeof IncomingMessage>(IncomingMessage, app.request),
        ServerResponse: onPrototype<typeof ServerResponse>(ServerResponse, app.response),
      },
      app,
    );
  }
}

/**
 * A constructor whose instances have `prototype` and are initialised by `base`, called as a function on
 * them (Node's `IncomingMessage` and `ServerResponse` are plain functions). `Reflect.construct` would also
 * do it, but the objects it built survived young-generation collections just as before (measured).
 */
export function onPrototype<T extends abstract new (...args: never[]) => object>(
  base: T,
  prototype: object,
): T {
  function Prototyped(this: object, ...args: unknown[]): void {
    Reflect.apply(base, this, args);
  }
  Prototyped.prototype = prototype;
  return Prototyped as unknown as T;
}

/** Whether every constructor can also be called as a function (not an ES class). */
export function callable(...constructors: Array<abstract new (...args: never[]) => object>): boolean {
  return constructors.every((constructor) => !/^class\b/.test(Function.prototype.toString.call(constructor)));
}
