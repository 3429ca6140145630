import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Agent, Dispatcher, buildConnector } from 'undici';

import { EngineJobIds } from './engine-job-ids';

/** A response whose body can be read as a stream of bytes. */
export interface EngineResponse {
  status: number;
  body: AsyncIterable<Buffer>;
  text(): Promise<string>;
}

/** Errors of sockets that had waited idle in the pool: the engine may have closed them meanwhile. */
const droppedAfterUse = new WeakSet<object>();

const connectSocket = buildConnector({});

/**
 * Keep-alive connections to the engine with undici, one pool per engine origin and no cap on sockets: the
 * worker's slots already bound its generations, and a cap below them (Node's agent had 256) made a worker
 * with more slots run its jobs in waves. undici's client costs about 60 µs less CPU per request than Node's
 * `http.request` and answers about 0.04 ms sooner (issue 15, docs/benchmarks.md, eighteenth round).
 * Idle sockets are kept a minute, as long as the engine allows (its Keep-Alive header), so a quiet worker
 * does not connect afresh for every request.
 */
const dispatcher = new Agent({
  keepAliveTimeout: 60_000,
  keepAliveMaxTimeout: 600_000,
  connect: (options, callback) =>
    connectSocket(options, (error, socket) => {
      if (error) return callback(error, null);
      // undici unrefs a socket whenever it waits idle in the pool: a request on it from then on reuses it,
      // and a drop before any answer is the engine's idle close crossing that request, worth a retry.
      let pooled = false;
      const unref = socket.unref.bind(socket);
      socket.unref = () => {
        pooled = true;
        return unref();
      };
      socket.prependListener('error', (cause: Error) => {
        if (pooled) droppedAfterUse.add(cause);
      });
      callback(null, socket);
    }),
});

/** Names the job a request runs for (engines ignore unknown headers; logs and tests can correlate). */
export const JOB_ID_HEADER = 'X-GridLLM-Job-Id';

/**
 * Errors a connection gives when the engine closed it: a reused keep-alive socket whose idle timeout
 * crossed our next request on the wire (the request never reached the engine: it is sent again on another
 * socket), or an engine that went away.
 */
const DROPPED_CONNECTION_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

export interface EngineRequestOptions {
  method?: string;
  body?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** Which request a failure belongs to, so that it is told as Node's client told it (see normalised). */
interface RequestContext {
  url: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Requests `url` from the engine; resolves once its status and headers are in. */
export function engineRequest(url: string, options: EngineRequestOptions = {}): Promise<EngineResponse> {
  const headers: Record<string, string> = options.body
    ? { 'content-type': 'application/json', ...options.headers }
    : { ...options.headers };
  const jobId = EngineJobIds.of(options.signal);
  if (jobId) headers[JOB_ID_HEADER] = jobId;
  const context = { url, signal: options.signal, timeoutMs: options.timeoutMs };
  const attempt = (): Promise<EngineResponse> =>
    send(context, { method: options.method ?? 'GET', headers, body: options.body }).catch(
      (error: unknown) => {
        // Every stale socket is destroyed as it fails, so this ends when the pool has no stale one left.
        if (isDroppedAfterUse(error)) return attempt();
        throw normalised(error, context);
      },
    );
  return attempt();
}

/** POSTs a file as the raw body, streamed from disk (a model blob can be tens of GB). */
export async function engineUpload(url: string, path: string, signal: AbortSignal): Promise<EngineResponse> {
  const { size } = await stat(path);
  const body = createReadStream(path);
  const context = { url, signal };
  return send(context, { method: 'POST', headers: { 'content-length': String(size) }, body }).catch(
    (error: unknown) => {
      body.destroy();
      throw normalised(error, context);
    },
  );
}

async function send(
  context: RequestContext,
  { method, headers, body }: { method: string } & Pick<Dispatcher.RequestOptions, 'headers' | 'body'>,
): Promise<EngineResponse> {
  const response = await dispatcher.request({
    ...targetOf(context.url),
    method: method as Dispatcher.HttpMethod,
    headers,
    body,
    signal: context.signal,
    // No limit unless asked: a model can take minutes to load before its first byte (Node's client had none).
    headersTimeout: context.timeoutMs ?? 0,
    bodyTimeout: context.timeoutMs ?? 0,
  });
  return {
    status: response.statusCode,
    body: relayed(response.body, context),
    text: () =>
      response.body.text().catch((error: unknown) => {
        throw normalised(error, context);
      }),
  };
}

/**
 * The body's bytes, its failures told as the request's are (see normalised). A plain iterator over undici's,
 * not an async generator: that would add its own promises to every read of a relayed stream (issue 15).
 * `return` reaches undici's iterator, which destroys the body, so a run that stops early closes the stream.
 */
function relayed(body: AsyncIterable<Buffer>, context: RequestContext): AsyncIterable<Buffer> {
  const failed = (error: unknown): never => {
    throw normalised(error, context);
  };
  return {
    [Symbol.asyncIterator](): AsyncIterator<Buffer> {
      const bytes = body[Symbol.asyncIterator]();
      return {
        next: () => bytes.next().catch(failed),
        return: async (): Promise<IteratorResult<Buffer>> => {
          await bytes.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/** Most engine URLs whose parts are kept (a worker calls a handful: one engine, a few API paths). */
const MAX_TARGETS = 64;
const targets = new Map<string, { origin: string; path: string }>();

/**
 * The origin and path undici's dispatcher takes, parsed once per URL: its top-level `request(url)` parsed
 * the URL and copied the options on every call, about 20 µs of CPU per engine call (issue 15).
 */
function targetOf(url: string): { origin: string; path: string } {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (targets.size < MAX_TARGETS) targets.set(url, target);
  }
  return target;
}

/** Not `instanceof Error`: errors from Node's core can come from another realm (Jest's, say). */
function isDroppedAfterUse(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  return DROPPED_CONNECTION_ERRORS.has((error as { code?: string }).code ?? '') && droppedAfterUse.has(error);
}

/**
 * The errors Node's own client gave, which the runner classifies: a connection the engine closed is
 * ECONNRESET ("socket hang up"), an abort is an AbortError whose cause is the signal's reason, and a
 * timeout says how long nothing came.
 */
function normalised(error: unknown, { url, signal, timeoutMs }: RequestContext): unknown {
  if (signal?.aborted && (error === signal.reason || typeof error !== 'object' || error === null))
    return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
      name: 'AbortError',
      code: 'ABORT_ERR',
    });
  const code = (error as { code?: string } | null)?.code;
  if (code === 'UND_ERR_SOCKET')
    return Object.assign(new Error(`socket hang up (${(error as Error).message})`), { code: 'ECONNRESET' });
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return new Error(`no answer from ${new URL(url).origin} in ${timeoutMs} ms`);
  return error;
}
