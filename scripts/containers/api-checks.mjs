// HTTP checks of a running containerised grid, through the gateway's published port. Prints one
// `ok - <check>` or `not ok - <check>: <why>` line per check (scripts/test-containers.sh counts them).
//   node api-checks.mjs grid  URL KEY MODELS WORKERS   ready, auth, tags, workers, generate, OpenAI chat
//   node api-checks.mjs drain URL KEY MODEL 'COMMAND'  a stream survives COMMAND (which stops its worker)
//   node api-checks.mjs serving URL KEY MODEL N     exactly N distinct ready workers serve MODEL
//   node api-checks.mjs wait  URL KEY MODELS WORKERS   waits (≤ 180 s) until that many workers are ready and serve MODELS
import { exec } from 'node:child_process';

const [mode, url, key, arg1, arg2] = process.argv.slice(2);
const auth = { authorization: `Bearer ${key}` };
let failures = 0;

function report(ok, name, why = '') {
  if (!ok) failures += 1;
  console.log(ok ? `ok - ${name}` : `not ok - ${name}: ${why}`);
}

/**
 * fetch with a ref'd timer that aborts it: undici can leave a fetch to a just-starting server (docker's
 * port proxy accepting before the app listens) pending with nothing keeping Node alive (exit 13).
 * `use` reads the response while the timer still runs.
 */
async function request(path, init, ms, use) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`no answer within ${ms} ms`)), ms);
  try {
    const res = await fetch(url + path, {
      ...init,
      headers: { ...(init.anonymous ? {} : auth), ...init.headers },
      signal: ac.signal,
    });
    return await use(res);
  } finally {
    clearTimeout(timer);
  }
}

function json(path, init = {}, ms = 120_000) {
  return request(path, init, ms, async (res) => {
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  });
}

/** POSTs and reads an NDJSON stream line by line; onFirst runs once the first line has arrived. */
function stream(path, body, onFirst = () => undefined) {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
  return request(path, init, 180_000, async (res) => {
    const lines = [];
    let buf = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      buf += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        lines.push(JSON.parse(line));
        if (lines.length === 1) onFirst();
      }
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', lines };
  });
}

function streamProblem(s) {
  const last = s.lines.at(-1);
  if (s.status !== 200) return `HTTP ${s.status}`;
  if (!s.type.includes('application/x-ndjson')) return `content-type ${s.type}`;
  if (s.lines.length < 2) return `${s.lines.length} line(s)`;
  if (s.lines.some((l) => l.error)) return `error line: ${s.lines.find((l) => l.error).error}`;
  if (!last?.done) return 'last line is not done:true';
  return '';
}

async function readyWorkers() {
  const res = await json('/admin/workers', {}, 5000);
  return res.status === 200 ? res.body.filter((w) => w.status === 'ready') : [];
}

async function grid(models, workers) {
  const ready = await json('/health/ready', {}, 10_000);
  report(ready.status === 200, 'GET /health/ready answers 200', `HTTP ${ready.status}`);
  const anon = await json('/api/tags', { anonymous: true }, 10_000);
  report(anon.status === 401, 'auth is on: /api/tags without a key answers 401', `HTTP ${anon.status}`);
  const tags = await json('/api/tags');
  const names = tags.status === 200 ? tags.body.models.map((m) => m.name) : [];
  const missing = models.filter((m) => !names.includes(m));
  report(
    missing.length === 0,
    `/api/tags merges every worker's models (${models.join(', ')})`,
    `missing ${missing} in ${names}`,
  );
  const live = await readyWorkers();
  const ids = new Set(live.map((w) => w.id));
  report(ids.size >= workers, `${workers}+ ready workers with distinct ids`, `ready: ${[...ids].join(', ')}`);
  for (const model of models) {
    const s = await stream('/api/generate', {
      model,
      prompt: 'Why is the sky blue?',
      options: { num_predict: 12, seed: 1 },
    });
    const why = streamProblem(s);
    report(!why, `streamed /api/generate on ${model} (${s.lines.length} NDJSON lines, ends done:true)`, why);
  }
  for (const model of models) {
    const chat = await json('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 8 }),
    });
    const msg = chat.body?.choices?.[0]?.message;
    report(
      chat.status === 200 && msg?.role === 'assistant' && typeof msg.content === 'string',
      `OpenAI chat completion on ${model}`,
      `HTTP ${chat.status} ${JSON.stringify(chat.body).slice(0, 200)}`,
    );
  }
}

async function drain(model, command) {
  let stopped;
  const started = Date.now();
  const s = await stream(
    '/api/generate',
    { model, prompt: 'Tell me a long story', options: { seed: 2 } },
    () => {
      stopped = new Promise((resolve) => exec(command, (err, stdout, stderr) => resolve({ err, stderr })));
    },
  );
  const why = streamProblem(s);
  report(
    !why,
    `a stream running while its worker is stopped ends complete (${s.lines.length} lines, ${Date.now() - started} ms)`,
    why,
  );
  const stop = await stopped;
  report(
    stop !== undefined && !stop.err,
    `'${command}' returns 0 after the drain`,
    stop?.stderr || String(stop?.err),
  );
}

async function wait(models, workers) {
  const deadline = Date.now() + 180_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const live = await readyWorkers();
      const served = new Set(live.flatMap((w) => w.models.map((m) => m.name)));
      if (live.length >= workers && models.every((m) => served.has(m)))
        return report(true, `grid ready: ${live.length} workers serve ${models.join(', ')}`);
      last = `${live.length} ready, serving ${[...served].join(', ')}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  report(false, `grid ready within 180 s with ${workers} workers serving ${models.join(', ')}`, last);
}

/** Waits up to 30 s (one model refresh and then some) for exactly `count` ready workers serving `model`. */
async function serving(model, count) {
  const deadline = Date.now() + 30_000;
  let ids = new Set();
  while (Date.now() < deadline) {
    const live = await readyWorkers();
    ids = new Set(live.filter((w) => w.models.some((m) => m.name === model)).map((w) => w.id));
    if (ids.size === count) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  report(ids.size === count, `${count} distinct ready workers serve ${model}`, `${[...ids].join(', ')}`);
}

const run = {
  serving: () => serving(arg1, Number(arg2)),
  grid: () => grid(arg1.split(','), Number(arg2)),
  drain: () => drain(arg1, arg2),
  wait: () => wait(arg1.split(','), Number(arg2)),
}[mode];
await run().catch((err) => report(false, `${mode} checks ran to the end`, err.message));
process.exit(failures ? 1 : 0);
