import type { DashboardSnapshot, DashboardUpdate } from '../../src/dashboard/dashboard-frame';
import { SseParser } from './grid-state';

/** sessionStorage, not localStorage: the key leaves with the tab. Never in a URL, never logged. */
const KEY_STORAGE = 'gridllm.dashboard.key';
/** The API sits at the gateway's root; the page at <root>/dashboard/. Relative, so a path prefix works. */
const ROOT = new URL('..', window.location.href);

/** An answer other than 2xx, with the gateway's own message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function storeKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const key = storedKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

async function failure(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown };
    const text = typeof body.error === 'string' ? body.error : body.message;
    if (typeof text === 'string') message = text;
  } catch {
    // Not JSON: the status line says enough.
  }
  return new ApiError(response.status, message);
}

/** Calls the gateway's API with the stored key; throws ApiError unless the answer is 2xx. */
export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const body: Record<string, string> = init.body !== undefined ? { 'Content-Type': 'application/json' } : {};
  const response = await fetch(new URL(path, ROOT), {
    ...init,
    headers: headers(body),
    cache: 'no-store',
  });
  if (!response.ok) throw await failure(response);
  return response;
}

export async function callJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  return (await (await call(path, init)).json()) as T;
}

export function post(path: string, body: unknown = {}): Promise<Response> {
  return call(path, { method: 'POST', body: JSON.stringify(body) });
}

/** Reads an NDJSON answer line by line (pull progress). */
export async function readLines(
  response: Response,
  onLine: (line: Record<string, unknown>) => void,
): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) return;
  const decoder = new TextDecoder();
  let pending = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(JSON.parse(line) as Record<string, unknown>);
  }
  if (pending.trim()) onLine(JSON.parse(pending) as Record<string, unknown>);
}

export interface EventHandlers {
  snapshot(snapshot: DashboardSnapshot): void;
  update(update: DashboardUpdate): void;
  connected(open: boolean): void;
}

/**
 * Follows `GET /admin/events` with fetch (EventSource cannot send an Authorization header) and
 * reconnects after a pause when the stream ends. Returns a function that stops it.
 */
export function followEvents(handlers: EventHandlers): () => void {
  let stopped = false;
  let controller = new AbortController();
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await call('admin/events', { signal: controller.signal });
        handlers.connected(true);
        await readEvents(response, handlers);
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) throw error;
      }
      handlers.connected(false);
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  };
  void run().catch(() => handlers.connected(false));
  return () => {
    stopped = true;
    controller.abort();
  };
}

async function readEvents(response: Response, handlers: EventHandlers): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) return;
  const decoder = new TextDecoder();
  const parser = new SseParser();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    for (const { event, data } of parser.push(decoder.decode(value, { stream: true }))) {
      if (event === 'snapshot') handlers.snapshot(JSON.parse(data) as DashboardSnapshot);
      else if (event === 'update') handlers.update(JSON.parse(data) as DashboardUpdate);
    }
  }
}
