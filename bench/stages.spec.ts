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
const xadd = (atMs: number, type: string) => lua(atMs, 'XADD', STREAM, 'MAXLEN', '~', '100', '*', 't', type);

describe('jobLandmarks / loadedStages', () => {
  const commands = [
    lua(10, 'ZADD', 'gridllm:llama3.2%3Alatest:prioritized', '8589934593', ID),
    lua(14, 'HGET', `gridllm:llama3.2%3Alatest:${ID}`, 'timestamp'),
    lua(15, 'SET', `gridllm:llama3.2%3Alatest:${ID}:lock`, 'token', 'PX', '30000'),
    client(16, 'evalsha', 'd1d7a09b', '2', STREAM, 'gridllm:job-owner'),
    xadd(17, 'started'),
    xadd(20, 'chunk'),
    xadd(21, 'chunk'),
    xadd(25, 'final'),
    lua(26, 'ZADD', 'gridllm:llama3.2%3Alatest:completed', '1', ID),
    lua(30, 'LPUSH', 'gridllm:llama3.2%3Alatest:wait', 'other-job'),
  ];

  it('finds each landmark of a job by its id, also inside scripts', () => {
    expect(jobLandmarks(commands).get(ID)).toEqual({ added: 10, taken: 15, final: 25, completed: 26 });
  });

  it('times the steps over complete jobs only', () => {
    expect(loadedStages(commands)).toEqual({ durations: [5, 10, 1], jobs: 1 });
  });
});

describe('landmarks', () => {
  const OTHER = '7c1c2f0e-0000-4000-8000-000000000001';
  const event = (atMs: number, who: string, command: string, jobIds: string[] = []) => ({
    atMs,
    who,
    command,
    jobIds,
  });
  const trace: TracedRequest = {
    startMs: 100,
    endMs: 112,
    events: [
      event(101, 'gateway/gridllm-command', 'ZRANGEBYSCORE'),
      event(102, 'gateway/gridllm-command', 'SET job-queue:…', [ID]),
      event(102.5, 'gateway/gridllm-queues', 'EVALSHA 1a2b3c4d'),
      event(103, 'lua', 'HMSET llama3.2%3Alatest:…', [ID]),
      event(103.2, 'worker/gridllm-command', 'EVALSHA e42e1774'),
      event(103.3, 'lua', 'HGET', [ID]),
      event(103.5, 'worker/gridllm-consumer', 'EVALSHA 5e6f7a8b'),
      event(103.7, 'lua', 'SET llama3.2%3Alatest:…:lock', [OTHER]),
      event(104, 'lua', 'SET llama3.2%3Alatest:…:lock', [ID]),
      event(104.5, 'worker/gridllm-command', 'EVALSHA d1d7a09b', [ID]),
      event(104.6, 'lua', 'SET job-owner:…', [ID]),
      event(104.8, 'worker/gridllm-token-writer', 'EVALSHA 74b8a2ed', [ID]),
      event(105, 'lua', 'XADD job-stream:…', [ID]),
      event(107, 'lua', 'XADD job-stream:…', [ID]),
      event(109.5, 'worker/gridllm-token-writer', 'EVALSHA 74b8a2ed', [ID]),
      event(109.8, 'lua', 'XADD job-stream:…', [ID]),
      event(110, 'lua', 'XADD job-stream:…', [ID]),
      event(113, 'worker/gridllm-command', 'EXPIRE job-stream:…', [ID]),
    ],
  };

  it('gives the end of each step from the request start, crediting script commands to their caller', () => {
    expect(landmarks(trace)).toEqual([1, 3, 4, 10, 12]);
  });

  it('gives null when the job was never taken', () => {
    expect(landmarks({ ...trace, events: trace.events.slice(0, 4) })).toBeNull();
  });

  it('gives null when the worker appended nothing', () => {
    expect(
      landmarks({ ...trace, events: trace.events.filter((e) => !e.command.startsWith('XADD')) }),
    ).toBeNull();
  });
});
