import { ArgumentsHost, Logger } from '@nestjs/common';

import { ErrorBodyFilter } from './error-body.filter';

/** A request that `begin` (RequestLogging) has seen, its response, and the host Nest hands a filter. */
function exchange() {
  const sent: { status?: number; body?: string } = {};
  const res = {
    locals: { logScope: { requestId: 'req-42', jobId: 'job-7', queueMs: 3 } },
    headersSent: false,
    writableEnded: false,
    setHeader: jest.fn(),
    status(code: number) {
      sent.status = code;
      return this;
    },
    type() {
      return this;
    },
    send(body: string) {
      sent.body = body;
      return this;
    },
  };
  const req = { res, path: '/api/generate', method: 'POST' };
  const host = {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ArgumentsHost;
  return { host, sent };
}

describe(ErrorBodyFilter.name, () => {
  afterEach(() => jest.restoreAllMocks());

  it("answers an unexpected error with a 500 in Ollama's shape, and logs it with the request's ids", () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { host, sent } = exchange();

    new ErrorBodyFilter().catch(new Error('boom'), host);

    expect(sent.status).toBe(500);
    expect(JSON.parse(sent.body ?? '{}')).toHaveProperty('error');
    expect(logged).toHaveBeenCalledTimes(1);
    const [line] = logged.mock.calls[0] as [{ message: string; requestId?: string; jobId?: string }];
    expect(line).toMatchObject({ requestId: 'req-42', jobId: 'job-7' });
    expect(line.message).toMatch(/^unhandled error: Error: boom/);
    expect(line).not.toHaveProperty('queueMs');
  });
});
