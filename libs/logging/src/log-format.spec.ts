import { PassThrough } from 'node:stream';

import { createLogger, transports } from 'winston';

import { LOG_LEVELS, LogFormat, logFormat, winstonLevel } from './log-format';

/** A winston logger like the apps' (same levels and format) that writes into an array. */
function capture(kind: LogFormat, level = 'info') {
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (data: Buffer) => lines.push(...data.toString().split('\n').filter(Boolean)));
  const logger = createLogger({
    levels: LOG_LEVELS,
    level,
    defaultMeta: { service: 'gateway' },
    format: logFormat(kind),
    transports: [new transports.Stream({ stream })],
  });
  return { logger, lines };
}

describe('logFormat', () => {
  it('drops a line above the level before any of it is formatted', () => {
    const level = winstonLevel('warn');
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (data: Buffer) => lines.push(data.toString()));
    const format = logFormat('json', level);
    const transform = jest.spyOn(format, 'transform');
    const logger = createLogger({
      levels: LOG_LEVELS,
      level,
      format,
      transports: [new transports.Stream({ stream })],
    });

    logger.debug('queued');
    logger.warn('slow');

    expect(transform.mock.results.map((result) => result.value)).toEqual([false, expect.anything()]);
    expect(lines.map((line) => JSON.parse(line).message)).toEqual(['slow']);
  });

  describe('json', () => {
    it('writes one JSON object per line with the ids given with it', () => {
      const { logger, lines } = capture('json');
      logger.info('job started', { context: 'JobRunner', requestId: 'req-1', jobId: 'job-1' });
      const entry = JSON.parse(lines[0]);
      expect(entry).toMatchObject({
        level: 'info',
        message: 'job started',
        context: 'JobRunner',
        service: 'gateway',
        requestId: 'req-1',
        jobId: 'job-1',
      });
      expect(typeof entry.timestamp).toBe('string');
    });

    it('redacts fields that could hold prompts or secrets', () => {
      const { logger, lines } = capture('json');
      logger.info('oops', { prompt: 'secret prompt', Authorization: 'Bearer k', password: 'p' });
      expect(lines[0]).not.toMatch(/secret prompt|Bearer k|"p"/);
      expect(JSON.parse(lines[0])).toMatchObject({ prompt: '[redacted]', Authorization: '[redacted]' });
    });

    it('drops the empty stack nest-winston passes and keeps a real one', () => {
      const { logger, lines } = capture('json');
      logger.error('plain', { stack: [undefined] });
      logger.error('thrown', { stack: ['Error: x\n    at y'] });
      expect(JSON.parse(lines[0])).not.toHaveProperty('stack');
      expect(JSON.parse(lines[1]).stack).toBe('Error: x\n    at y');
    });
  });

  describe('pretty', () => {
    it('writes a readable line with context, message and ids', () => {
      const { logger, lines } = capture('pretty');
      logger.warn('slow', { context: 'SlotLoop', requestId: 'req-1' });
      expect(lines[0]).toMatch(/^\S+ WARN {2}gateway \[SlotLoop\] slow requestId=req-1$/);
    });
  });

  it('drops lines below LOG_LEVEL', () => {
    const { logger, lines } = capture('json', winstonLevel('warn'));
    logger.info('hidden');
    logger.warn('shown');
    expect(lines.map((line) => JSON.parse(line).message)).toEqual(['shown']);
  });
});

describe(winstonLevel.name, () => {
  it.each([
    ['log', 'info'],
    ['info', 'info'],
    ['verbose', 'verbose'],
    ['fatal', 'fatal'],
    [undefined, 'info'],
    ['nonsense', 'info'],
  ])('maps LOG_LEVEL=%s to %s', (level, expected) => {
    expect(winstonLevel(level)).toBe(expected);
  });
});
