import { JobSink } from '../common/job-sink';
import { outcomeOf } from './inference-metrics.service';
import { MeteredSink, evalCountOf } from './metered-sink';

function fakeSink(restartable = true): jest.Mocked<JobSink> {
  return {
    workerAssigned: jest.fn(),
    chunk: jest.fn(),
    chunks: jest.fn(),
    final: jest.fn(),
    failed: jest.fn(),
    restart: jest.fn(() => restartable),
    emitted: false,
  };
}

describe(MeteredSink.name, () => {
  let clock: number;
  const now = () => clock;

  beforeEach(() => (clock = 1000));

  it('passes every event on to the real sink unchanged', () => {
    const inner = fakeSink();
    const sut = new MeteredSink(inner, now);

    sut.workerAssigned('w1', 12);
    sut.chunk('{"response":"a"}');
    sut.chunks('{"response":"b"}\n{"response":"c"}');
    sut.final('{"done":true,"eval_count":3}');
    sut.failed({ error: 'x', status: 502 });

    expect(inner.workerAssigned).toHaveBeenCalledWith('w1', 12);
    expect(inner.chunk).toHaveBeenCalledWith('{"response":"a"}');
    expect(inner.chunks).toHaveBeenCalledWith('{"response":"b"}\n{"response":"c"}');
    expect(inner.final).toHaveBeenCalledWith('{"done":true,"eval_count":3}');
    expect(inner.failed).toHaveBeenCalledWith({ error: 'x', status: 502 });
  });

  it('notes when the first chunk went out, the queue wait and the tokens of the final chunk', () => {
    const sut = new MeteredSink(fakeSink(), now);

    sut.workerAssigned('w1', 40);
    clock = 1250;
    sut.chunk('{"response":"a"}');
    clock = 1900;
    sut.final('{"done":true,"eval_count":7}');

    expect(sut).toMatchObject({ firstChunkAt: 1250, queueMs: 40, evalCount: 7, completed: true });
  });

  it('notes the first chunk when it came with others', () => {
    const sut = new MeteredSink(fakeSink(), now);
    clock = 1400;
    sut.chunks('{"response":"a"}\n{"response":"b"}');

    expect(sut.firstChunkAt).toBe(1400);
  });

  it('forgets the first chunk of an attempt that was restarted elsewhere', () => {
    const sut = new MeteredSink(fakeSink(true), now);
    sut.chunk('{"response":"lost"}');

    expect(sut.restart()).toBe(true);
    clock = 3000;
    sut.final('{"done":true}');

    expect(sut.firstChunkAt).toBe(3000);
  });

  it('keeps the first chunk when the real sink refuses a restart', () => {
    const sut = new MeteredSink(fakeSink(false), now);
    sut.chunk('{"response":"seen"}');

    expect(sut.restart()).toBe(false);
    expect(sut.firstChunkAt).toBe(1000);
  });
});

describe(evalCountOf.name, () => {
  it('reads eval_count of a final chunk', () => {
    expect(evalCountOf('{"done":true,"eval_count":42}')).toBe(42);
  });

  it('ignores a missing, negative or unparsable count', () => {
    expect(evalCountOf('{"done":true}')).toBeUndefined();
    expect(evalCountOf('{"eval_count":-1}')).toBeUndefined();
    expect(evalCountOf('{"eval_count":"9"}')).toBeUndefined();
    expect(evalCountOf('not json')).toBeUndefined();
  });
});

describe(outcomeOf.name, () => {
  it('maps how the relay ended to the outcome label', () => {
    expect(outcomeOf('finished', true)).toBe('completed');
    expect(outcomeOf('finished', false)).toBe('failed');
    expect(outcomeOf('client-gone', false)).toBe('cancelled');
    expect(outcomeOf('timed-out', false)).toBe('timed_out');
    expect(outcomeOf(undefined, false)).toBe('failed');
  });
});
