import type { Response } from 'express';

import { JobKind } from '@gridllm/contracts';

import { CollectingSink, NdjsonSink, forEachLine } from './job-sink';

/** Enough of an Express response for NdjsonWriter: records what was written. */
function fakeResponse(): Response & { writes: string[] } {
  const res = {
    headersSent: false,
    writableEnded: false,
    writes: [] as string[],
    socket: { setNoDelay: () => undefined },
    status: () => res,
    setHeader: () => res,
    write(chunk: string) {
      res.headersSent = true;
      res.writes.push(chunk);
      return true;
    },
    end(chunk?: string) {
      if (chunk) res.writes.push(chunk);
      res.writableEnded = true;
    },
  };
  return res as unknown as Response & { writes: string[] };
}

const A = '{"model":"m","response":"Hel","done":false}';
const B = '{"model":"m","response":"lo","done":false}';
const FINAL = '{"model":"m","response":"","done":true,"eval_count":2}';

describe('job sinks given joined lines', () => {
  it('forEachLine gives every line, in order, once', () => {
    const seen: string[] = [];
    forEachLine(`${A}\n${B}\n${FINAL}`, (line) => seen.push(line));
    expect(seen).toEqual([A, B, FINAL]);
    const one: string[] = [];
    forEachLine(A, (line) => one.push(line));
    expect(one).toEqual([A]);
  });

  it('NdjsonSink writes them as the same bytes as line by line', () => {
    const joined = fakeResponse();
    const sink = new NdjsonSink(joined);
    sink.chunks(`${A}\n${B}`);
    sink.final(FINAL);

    const separate = fakeResponse();
    const other = new NdjsonSink(separate);
    other.chunk(A);
    other.chunk(B);
    other.final(FINAL);

    expect(joined.writes.join('')).toBe(`${A}\n${B}\n${FINAL}\n`);
    expect(joined.writes.join('')).toBe(separate.writes.join(''));
    expect(joined.writableEnded).toBe(true);
  });

  it('CollectingSink merges them as it merges lines one by one', () => {
    const sink = new CollectingSink(JobKind.Generate);
    sink.chunks(`${A}\n${B}`);
    sink.final(FINAL);
    expect(sink.emitted).toBe(true);
    expect(sink.result).toMatchObject({ response: 'Hello', done: true, eval_count: 2 });
  });
});
