import type { Express } from 'express';
import { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { PrototypedExpressAdapter, inPlaceOf } from './prototyped-express-adapter';

describe('PrototypedExpressAdapter', () => {
  let server: Server;

  afterEach(async () => {
    if (server?.listening) await new Promise((resolve) => server.close(resolve));
  });

  it('hands Express requests and responses that already have its prototypes', async () => {
    const adapter = new PrototypedExpressAdapter();
    adapter.initHttpServer({});
    const app = adapter.getInstance<Express>();
    app.get('/probe', (req, res) => res.json({ url: req.url, header: req.headers['x-probe'] }));
    server = adapter.getHttpServer();
    // Looked at before Express sees them: Express itself sets these prototypes on whatever it gets.
    const built: boolean[] = [];
    server.prependListener('request', (req: object, res: object) => {
      built.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const answer = await fetch(`http://127.0.0.1:${port}/probe?x=1`, { headers: { 'x-probe': 'yes' } });

    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await answer.json()).toEqual({ url: '/probe?x=1', header: 'yes' });
    expect(built).toEqual([true, true]);
  });

  it('keeps Nest’s own server for HTTPS', () => {
    const adapter = new PrototypedExpressAdapter();
    adapter.initHttpServer({ httpsOptions: {} });
    expect(adapter.getHttpServer()).not.toBeInstanceOf(Server);
  });
});

describe('inPlaceOf', () => {
  it('gives a subclass prototype the own properties and parent of the prototype it replaces', () => {
    const methods = Object.create(IncomingMessage.prototype) as { greet(): string };
    methods.greet = () => 'hello';
    const replaced = Object.create(methods, { app: { value: 'the app', enumerable: true } }) as object;
    const Request = inPlaceOf(class extends IncomingMessage {}, replaced);
    const built = new Request(null as never) as IncomingMessage & { greet(): string; app: string };
    expect(built.greet()).toBe('hello');
    expect(built.app).toBe('the app');
    expect(built).toBeInstanceOf(IncomingMessage);
    expect(built.headers).toEqual({});
  });
});
