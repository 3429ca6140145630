import { EventEmitter } from 'node:events';

import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'winston';

import { JobLog } from './job-log';
import { RequestLogging, logScopeOf } from './request-logging';

function fakeExchange(headers: Record<string, string> = {}) {
  const sent: Record<string, string> = {};
  const res = Object.assign(new EventEmitter(), {
    locals: {},
    statusCode: 200,
    writableFinished: true,
    headers: sent,
    setHeader: (name: string, value: string) => (sent[name] = value),
  });
  const req = {
    res,
    method: 'POST',
    headers,
    baseUrl: '',
    originalUrl: '/inference/abc/status?key=secret',
    route: { path: '/inference/:id/status' },
  };
  return { req: req as unknown as Request, res: res as unknown as Response & typeof res };
}

describe(RequestLogging.name, () => {
  const logger = { info: jest.fn(), isInfoEnabled: jest.fn() };
  const sut = new RequestLogging(logger as unknown as Logger);

  beforeEach(() => {
    logger.info.mockReset();
    logger.isInfoEnabled.mockReturnValue(true);
  });

  it('returns the request id and leaves the log scope on the request for the handlers', () => {
    const { req, res } = fakeExchange({ 'x-request-id': 'req-7' });
    sut.begin(req, res, (() => undefined) as NextFunction);

    expect(res.headers['x-request-id']).toBe('req-7');
    expect(logScopeOf(req)).toEqual({ requestId: 'req-7' });
  });

  it('writes one access line when the response closes, with what the request learnt on the way', () => {
    const { req, res } = fakeExchange({ 'x-request-id': 'req-8' });
    sut.begin(req, res, (() => undefined) as NextFunction);
    const scope = logScopeOf(req);
    JobLog.job(scope, 'job-1');
    JobLog.started(scope, 12, 'w');
    JobLog.finished(scope, '{"done":true,"eval_count":5}');
    res.statusCode = 404;
    res.emit('close');
    res.emit('close');

    expect(logger.info).toHaveBeenCalledTimes(1);
    const [message, fields] = logger.info.mock.calls[0] as [string, Record<string, unknown>];
    expect(message).toMatch(/^POST \/inference\/:id\/status 404 [\d.]+ms$/);
    expect(fields).toMatchObject({
      route: '/inference/:id/status',
      status: 404,
      requestId: 'req-8',
      jobId: 'job-1',
      workerId: 'w',
      queueMs: 12,
      tokens: 5,
    });
    expect(JSON.stringify(fields)).not.toContain('secret');
  });

  it('writes no access line when LOG_LEVEL is above info, and still returns the request id', () => {
    logger.isInfoEnabled.mockReturnValue(false);
    const { req, res } = fakeExchange({ 'x-request-id': 'req-9' });
    sut.begin(req, res, (() => undefined) as NextFunction);
    res.emit('close');

    expect(logger.info).not.toHaveBeenCalled();
    expect(res.headers['x-request-id']).toBe('req-9');
  });
});
