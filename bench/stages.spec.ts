import { MonitoredCommand, TracedRequest } from './redis-probe';
import { jobLandmarks, landmarks, loadedStages } from './stages';

const ID = '015484b3-6e1d-4cb7-9fb7-1598687b1da3';
const STREAM = `gridllm:job-stream:${ID}`;
const lua = (atMs: number, ...args: string[]): MonitoredCommand => ({ atMs, source: 'lua', args });
const client = (atMs: number, ...args: string[]): MonitoredCommand => ({
  atMs,
  source: '127.0.0.1:5000',
  args,
});
const xadd = (atMs: number, type: string) =>
  client(atMs, 'xadd', STREAM, 'MAXLEN', '~', '100', '1-0', 't', type);

describe('jobLandmarks / loadedStages', () => {
  const commands = [
    lua(10, 'ZADD', 'gridllm:llama3.2%3Alatest:prioritized', '8589934593', ID),
    lua(15, 'HMSET', `gridllm:llama3.2%3Alatest:${ID}`, 'processedOn', '1', 'pb', 'w'),
    xadd(17, 'started'),
    xadd(20, 'chunk'),
    xadd(21, 'chunk'),
    xadd(25, 'final'),
    lua(26, 'ZADD', 'gridllm:llama3.2%3Alatest:completed', '1', ID),
    lua(30, 'LPUSH', 'gridllm:llama3.2%3Alatest:wait', 'other-job'),
  ];

  it('finds each landmark of a job by its id', () => {
    expect(jobLandmarks(commands).get(ID)).toEqual({
      added: 10,
      taken: 15,
      started: 17,
      firstChunk: 20,
      final: 25,
      completed: 26,
    });
  });

  it('times the steps over complete jobs only', () => {
    expect(loadedStages(commands)).toEqual({ durations: [5, 2, 3, 5, 1], jobs: 1 });
  });
});

describe('landmarks', () => {
  const event = (atMs: number, who: string, command: string) => ({ atMs, who, command });
  const trace: TracedRequest = {
    startMs: 100,
    endMs: 112,
    events: [
      event(101, 'gateway/gridllm-command', 'ZRANGEBYSCORE'),
      event(103, 'gateway/gridllm-queues', 'EVALSHA addPrioritizedJob'),
      event(104, 'worker/gridllm-consumer', 'EVALSHA moveToActive'),
      event(105, 'worker/gridllm-command', 'XADD job-stream:…'),
      event(107, 'worker/gridllm-command', 'XADD job-stream:…'),
      event(110, 'worker/gridllm-command', 'XADD job-stream:…'),
      event(113, 'worker/gridllm-command', 'EXPIRE job-stream:…'),
    ],
  };

  it('gives the end of each step from the request start', () => {
    expect(landmarks(trace)).toEqual([1, 3, 4, 5, 7, 10, 12]);
  });

  it('gives null when the job was never taken', () => {
    expect(landmarks({ ...trace, events: trace.events.slice(0, 2) })).toBeNull();
  });
});
