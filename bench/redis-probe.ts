import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Socket, connect } from 'node:net';
import Redis from 'ioredis';

/** Looks at what the gateway and the worker do in Redis: round-trip cost, commands per request, a timeline. */

export interface CommandCount {
  calls: number;
  usec: number;
}

export interface RedisEvent {
  /** Wall-clock milliseconds on the bench's clock (Redis time corrected by the measured offset). */
  atMs: number;
  /** `role/connection-name` of the client that sent it, or `lua` for commands run by a script. */
  who: string;
  command: string;
  /** Job ids (UUIDs) among the command's arguments: what ties a script's inner commands to one job. */
  jobIds: string[];
}

export interface TracedRequest {
  startMs: number;
  endMs: number;
  events: RedisEvent[];
}

const wallNow = (): number => performance.timeOrigin + performance.now();

/** Milliseconds of sequential PINGs on one connection: the price of one Redis round trip from Node. */
export async function pingRoundTrips(redis: Redis, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await redis.ping();
    samples.push(performance.now() - start);
  }
  return samples;
}

export async function resetCommandStats(redis: Redis): Promise<void> {
  await redis.config('RESETSTAT');
}

/** INFO commandstats as `command → calls, usec` (the probe's own INFO/CONFIG left out). */
export async function readCommandStats(redis: Redis): Promise<Map<string, CommandCount>> {
  const info = await redis.info('commandstats');
  const stats = new Map<string, CommandCount>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    const [, command = '', calls = '0', usec = '0'] = match;
    if (command === 'info' || command.startsWith('config')) continue;
    stats.set(command, { calls: Number(calls), usec: Number(usec) });
  }
  return stats;
}

/** Redis clock minus ours, in ms, from the TIME call with the shortest round trip. */
async function clockOffsetMs(redis: Redis, tries = 20): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < tries; i++) {
    const before = wallNow();
    const [seconds = '0', micros = '0'] = await redis.time();
    const after = wallNow();
    const redisMs = Number(seconds) * 1000 + Number(micros) / 1000;
    if (after - before < best.rtt) best = { rtt: after - before, offset: redisMs - (before + after) / 2 };
  }
  return best.offset;
}

/**
 * Local TCP port → owner role, for the given processes (Linux /proc: socket inodes of each process's fds,
 * matched against /proc/net/tcp). Empty where /proc is not available.
 */
export function socketOwners(pids: Record<string, number | undefined>): Map<number, string> {
  const inodeOwner = new Map<string, string>();
  for (const [role, pid] of Object.entries(pids)) {
    if (!pid) continue;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = safe(() => readlinkSync(`/proc/${pid}/fd/${fd}`)) ?? '';
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode) inodeOwner.set(inode, role);
      }
    } catch {
      // Not Linux, or the process is gone.
    }
  }
  const owners = new Map<number, string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = safe(() => readFileSync(table, 'utf8')) ?? '';
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const inode = fields[9];
      const role = inode ? inodeOwner.get(inode) : undefined;
      if (local && role) owners.set(parseInt(local.split(':')[1] ?? '0', 16), role);
    }
  }
  return owners;
}

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Client port → connection name, from CLIENT LIST. */
async function connectionNames(redis: Redis): Promise<Map<number, string>> {
  const list = String(await redis.call('CLIENT', 'LIST'));
  const names = new Map<number, string>();
  for (const line of list.split('\n')) {
    const port = /\baddr=\S+:(\d+)/.exec(line)?.[1];
    const name = /\bname=(\S*)/.exec(line)?.[1];
    if (port) names.set(Number(port), name || 'unnamed');
  }
  return names;
}

/** sha1 → BullMQ script name, so EVALSHA lines read as `moveToActive` rather than a hash. */
function bullmqScriptNames(): Map<string, string> {
  const names = new Map<string, string>();
  const scripts: unknown = safe(() => createRequire(__filename)('bullmq/dist/cjs/scripts'));
  if (typeof scripts !== 'object' || scripts === null) return names;
  for (const script of Object.values(scripts)) {
    if (typeof script !== 'object' || script === null) continue;
    const { name, content } = script as { name?: unknown; content?: unknown };
    if (typeof name === 'string' && typeof content === 'string')
      names.set(createHash('sha1').update(content).digest('hex'), name);
  }
  return names;
}

function describeCommand(args: readonly string[], scripts: Map<string, string>): string {
  const [command = '?', first = ''] = args;
  const upper = command.toUpperCase();
  if (upper === 'EVALSHA') return `EVALSHA ${scripts.get(first) ?? first.slice(0, 8)}`;
  if (upper === 'XREAD')
    return `XREAD (${args.filter((arg) => arg.includes(':job-stream:')).length} job streams)`;
  if (upper === 'XADD' || upper === 'EXPIRE' || upper === 'EXISTS' || upper === 'SET' || upper === 'BZPOPMIN')
    return `${upper} ${shortKey(first)}`;
  return upper;
}

const JOB_ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The distinct job ids named in a command's keys and arguments (payloads included, cut at 200 chars). */
function jobIdsIn(args: readonly string[]): string[] {
  return [...new Set(args.flatMap((arg) => arg.slice(0, 200).match(JOB_ID) ?? []))];
}

/** `gridllm:job-stream:3f2a…` → `job-stream:…`: enough to tell keys apart in a timeline. */
function shortKey(key: string): string {
  return key.replace(/^[^:]+:/, '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '…');
}

/** One command as MONITOR saw it, on the bench's clock. `source` is `host:port` of the client, or `lua`. */
export interface MonitoredCommand {
  atMs: number;
  source: string;
  args: string[];
}

/**
 * Every command Redis runs while `task` runs (MONITOR on a connection of its own). MONITOR slows Redis
 * down a little: the result shows the order and rough cost of steps, not exact production latency.
 * A plain socket, not ioredis's monitor(): ioredis marks the connection as monitoring only after the
 * MONITOR reply's promise settles, so a busy Redis's first lines, arriving in the same read as that
 * reply, fail with "Command queue state error".
 */
export async function monitorDuring(redis: Redis, task: () => Promise<void>): Promise<MonitoredCommand[]> {
  const offset = await clockOffsetMs(redis);
  const seen: MonitoredCommand[] = [];
  const socket = await monitorSocket(redis, (line) => {
    const command = parseMonitorLine(line);
    if (command) seen.push({ ...command, atMs: command.atMs - offset });
  });
  try {
    await task();
  } finally {
    socket.destroy();
  }
  return seen;
}

/** A connection in MONITOR mode that hands each command line after MONITOR's +OK to `onLine`. */
function monitorSocket(redis: Redis, onLine: (line: string) => void): Promise<Socket> {
  const { host = '127.0.0.1', port = 6379, password } = redis.options;
  const commands = password ? [['AUTH', password], ['MONITOR']] : [['MONITOR']];
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let pending = '';
    let replies = 0;
    socket.setEncoding('utf8');
    socket.once('error', reject);
    socket.on('data', (data: string) => {
      const lines = (pending + data).split('\r\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (replies === commands.length) onLine(line);
        else if (line.startsWith('-')) reject(new Error(`MONITOR: ${line.slice(1)}`));
        else if (++replies === commands.length) resolve(socket);
      }
    });
    socket.write(commands.map(respCommand).join(''));
  });
}

/** A command in RESP: an array of bulk strings. */
function respCommand(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

/**
 * `+1339518083.107412 [0 127.0.0.1:60866] "keys" "*"` (or `[0 lua]`): Redis quotes every argument and
 * escapes it as sdscatrepr does (\\, \", \n, \r, \t, \a, \b, \xHH).
 */
export function parseMonitorLine(line: string): MonitoredCommand | null {
  const head = /^\+(\d+\.\d+) \[\d+ ([^\]]+)\] /.exec(line);
  if (!head) return null;
  const args = [...line.slice(head[0].length).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) =>
    unescapeRepr(match[1]),
  );
  return { atMs: Number(head[1]) * 1000, source: head[2], args };
}

const REPR_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' };

function unescapeRepr(text: string): string {
  return text.replace(/\\(x[0-9a-f]{2}|.)/g, (_, code: string) =>
    code.length === 3 ? String.fromCharCode(parseInt(code.slice(1), 16)) : (REPR_ESCAPES[code] ?? code),
  );
}

/**
 * Runs `count` requests one at a time (with `pauseMs` between them) under MONITOR and returns, per
 * request, the Redis commands seen from its start to the next request's start, named by process and
 * connection.
 */
export async function traceRequests(
  redis: Redis,
  pids: Record<string, number | undefined>,
  count: number,
  pauseMs: number,
  send: () => Promise<void>,
): Promise<TracedRequest[]> {
  const scripts = bullmqScriptNames();
  const windows: Array<{ startMs: number; endMs: number }> = [];
  const seen = await monitorDuring(redis, async () => {
    for (let i = 0; i < count; i++) {
      const startMs = wallNow();
      await send();
      windows.push({ startMs, endMs: wallNow() });
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  });
  const names = await connectionNames(redis);
  const owners = socketOwners(pids);
  const who = (source: string): string => {
    if (source === 'lua') return 'lua';
    const port = Number(source.split(':').pop());
    return `${owners.get(port) ?? '?'}/${names.get(port) ?? '?'}`;
  };
  return windows.map((window, index) => {
    const until = windows[index + 1]?.startMs ?? window.endMs + pauseMs;
    return {
      ...window,
      events: seen
        .filter((event) => event.atMs >= window.startMs && event.atMs < until)
        .map((event) => ({
          atMs: event.atMs,
          who: who(event.source),
          command: describeCommand(event.args, scripts),
          jobIds: jobIdsIn(event.args),
        })),
    };
  });
}

export interface QueueDepth {
  samples: number;
  /** Jobs queued but not taken (BullMQ wait + prioritized), on average. */
  waitingMean: number;
  /** Jobs a worker has taken and not finished (BullMQ active), on average. */
  activeMean: number;
}

/** Samples a BullMQ queue's depth every `intervalMs` while `task` runs. `queueKey` is `<prefix>:<queue>`. */
export async function sampleQueueDuring(
  redis: Redis,
  queueKey: string,
  intervalMs: number,
  task: () => Promise<void>,
): Promise<QueueDepth> {
  const waiting: number[] = [];
  const active: number[] = [];
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    redis
      .multi()
      .llen(`${queueKey}:wait`)
      .zcard(`${queueKey}:prioritized`)
      .llen(`${queueKey}:active`)
      .exec()
      .then((replies) => {
        const [wait, prioritized, running] = (replies ?? []).map(([, value]) => Number(value));
        waiting.push((wait ?? 0) + (prioritized ?? 0));
        active.push(running ?? 0);
      })
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, intervalMs);
  try {
    await task();
  } finally {
    clearInterval(timer);
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / (values.length || 1);
  return { samples: waiting.length, waitingMean: mean(waiting), activeMean: mean(active) };
}
