import { MonitoredCommand, RedisEvent, TracedRequest } from './redis-probe';
import { summarize } from './stats';

/**
 * Splits one traced gateway request (stream:false) into consecutive steps by landmark Redis commands.
 * The steps add up to the request's whole time as the client saw it.
 */
export interface Stage {
  name: string;
  /** Which command ends the step (the last step ends when the client has the answer). */
  endsAt: string;
}

export const STAGES: readonly Stage[] = [
  { name: 'gateway: HTTP in, routing, validation', endsAt: 'first gateway command' },
  {
    name: 'gateway: submit (admission, job stored and placed: one script)',
    endsAt: "gateway's last job command",
  },
  { name: 'worker: wakes up and takes the job', endsAt: "job's lock or stream owner SET" },
  {
    // A stream:false job's lines are held and stored in one script with its `started` and final line.
    name: 'worker: engine call; the answer stored with its started event (one script)',
    endsAt: 'XADD final line',
  },
  { name: 'gateway: XREAD wakes, merge, HTTP out', endsAt: 'client has the answer' },
];

const isGateway = (who: string) => who.startsWith('gateway/');
const isWorker = (who: string) => who.startsWith('worker/');

/**
 * The trace with each command a script ran (`lua`) credited to the script's caller: Redis runs a script
 * whole, so its inner commands follow the caller's EVAL/EVALSHA in the MONITOR log.
 */
function byCaller(events: readonly RedisEvent[]): RedisEvent[] {
  let caller = 'lua';
  return events.map((event) => {
    if (event.who !== 'lua') caller = event.who;
    return { ...event, who: caller };
  });
}

/**
 * Offsets (ms from the request's start) of each step's end, or null when a landmark is missing. Keyed on
 * what survives a change of scripts: the job's id (found in its `job-stream:<id>` appends, inside a script or
 * not), the SET that takes the job (BullMQ's `<id>:lock`, or the stream's `job-owner:<id>`).
 */
export function landmarks(trace: TracedRequest): number[] | null {
  const events = byCaller(trace.events.filter((event) => event.atMs <= trace.endMs));
  const isAppend = (event: RedisEvent) => event.command.startsWith('XADD job-stream');
  const jobId = events.find(isAppend)?.jobIds[0];
  if (!jobId) return null;
  const names = (event: RedisEvent) => event.jobIds.includes(jobId);
  const firstGateway = events.findIndex((event) => isGateway(event.who));
  const taken = events.findIndex(
    (event, i) =>
      i > firstGateway &&
      isWorker(event.who) &&
      names(event) &&
      /^SET .*(:lock|job-owner)/.test(event.command),
  );
  let added = taken - 1;
  while (added >= 0 && !(isGateway(events[added]?.who ?? '') && names(events[added]))) added--;
  if (firstGateway < 0 || taken < 0 || added < 0) return null;
  const streamAdds = events.filter(
    (event, index) => index > taken && isWorker(event.who) && isAppend(event) && names(event),
  );
  const final = streamAdds[streamAdds.length - 1];
  if (!final) return null;
  return [
    ...[firstGateway, added, taken].map((index) => events[index]?.atMs ?? NaN),
    final.atMs,
    trace.endMs,
  ].map((atMs) => atMs - trace.startMs);
}

/** Median duration of each step over the traced requests that show every landmark. */
export function medianStages(traces: readonly TracedRequest[]): { durations: number[]; requests: number } {
  const split = traces.map(landmarks).filter((marks): marks is number[] => marks !== null);
  const durations = STAGES.map(
    (_, stage) =>
      summarize(split.map((marks) => (marks[stage] ?? NaN) - (stage === 0 ? 0 : (marks[stage - 1] ?? NaN))))
        .p50,
  );
  return { durations, requests: split.length };
}

/** Landmarks of a job in a MONITOR log, in path order. */
const JOB_LANDMARKS = ['added', 'taken', 'final', 'completed'] as const;
type JobLandmark = (typeof JOB_LANDMARKS)[number];

export const LOADED_STEPS: readonly string[] = [
  'queued: job stored → a worker takes it (the take script)',
  'worker: taken → final line XADD (engine call; the lines held, stored with started)',
  'worker: final line → job completed (one script run on a standalone Redis)',
];

/**
 * Per job id, when each landmark happened, from BullMQ's and GridLLM's commands (inside scripts or not):
 * the enqueue script's `ZADD …:prioritized` (or BullMQ's `LPUSH …:wait`), the take's `SET …:<id>:lock`, the
 * final line's `XADD …:job-stream:<id>` and the finish's `ZADD …:completed`. A `stream:false` job's `started`
 * and chunks are stored in the final line's script, so they mark no step of their own.
 */
export function jobLandmarks(
  commands: readonly MonitoredCommand[],
): Map<string, Partial<Record<JobLandmark, number>>> {
  const jobs = new Map<string, Partial<Record<JobLandmark, number>>>();
  const mark = (id: string | undefined, landmark: JobLandmark, atMs: number) => {
    if (!id) return;
    const job = jobs.get(id) ?? {};
    job[landmark] ??= atMs;
    jobs.set(id, job);
  };
  for (const { atMs, args } of commands) {
    const [command = '', key = ''] = args;
    const upper = command.toUpperCase();
    if (upper === 'ZADD' && key.endsWith(':prioritized')) mark(args[3], 'added', atMs);
    else if (upper === 'LPUSH' && key.endsWith(':wait')) mark(args[2], 'added', atMs);
    else if (upper === 'SET' && key.endsWith(':lock')) mark(key.split(':').at(-2), 'taken', atMs);
    else if (upper === 'ZADD' && key.endsWith(':completed')) mark(args[3], 'completed', atMs);
    else if (upper === 'XADD' && key.includes(':job-stream:')) {
      const id = key.slice(key.indexOf(':job-stream:') + ':job-stream:'.length);
      if (args[args.indexOf('t') + 1] === 'final') mark(id, 'final', atMs);
    }
  }
  return jobs;
}

/** Median of each LOADED_STEPS step over the jobs whose every landmark is in the log. */
export function loadedStages(commands: readonly MonitoredCommand[]): { durations: number[]; jobs: number } {
  const complete = [...jobLandmarks(commands).values()].filter((job) =>
    JOB_LANDMARKS.every((landmark) => job[landmark] !== undefined),
  );
  const durations = LOADED_STEPS.map((_, step) => {
    const from = JOB_LANDMARKS[step];
    const to = JOB_LANDMARKS[step + 1];
    return summarize(complete.map((job) => (to && from ? (job[to] ?? NaN) - (job[from] ?? NaN) : NaN))).p50;
  });
  return { durations, jobs: complete.length };
}
