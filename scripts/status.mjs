// `make status`: a readable summary of a running grid from the gateway's API — health, workers
// (state, models, slots) and queue depth per model. Exits 1 when the grid is unhealthy: the gateway
// is not ready, or no worker is ready.
//   GRIDLLM_URL (default http://127.0.0.1:$SERVER_PORT, port 4000), ADMIN_API_KEY or GRIDLLM_API_KEY.
const base = (
  process.env.GRIDLLM_URL || `http://127.0.0.1:${process.env.SERVER_PORT || process.env.GATEWAY_PORT || 4000}`
).replace(/\/+$/, '');
const key = process.env.GRIDLLM_API_KEY || process.env.ADMIN_API_KEY || '';
const headers = key ? { authorization: `Bearer ${key}` } : {};

async function get(path) {
  const res = await fetch(base + path, { headers, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

function workerLine(w) {
  const models = w.models.map((m) => m.name).join(', ') || '(none)';
  const why = w.statusReason ? ` (${w.statusReason})` : '';
  return `  ${w.id.padEnd(24)} ${(w.status + why).padEnd(12)} ${w.engine.padEnd(8)} slots ${w.runningJobs}/${w.slots}  models: ${models}`;
}

async function main() {
  let ready;
  try {
    ready = await get('/health/ready');
  } catch (err) {
    console.log(`gateway  ${base}: unreachable (${err.cause?.code || err.message})`);
    return 1;
  }
  const gatewayOk = ready.status === 200;
  console.log(`gateway  ${base}: ${gatewayOk ? 'ready' : `NOT ready (HTTP ${ready.status})`}`);
  const [workers, queue] = await Promise.all([get('/admin/workers'), get('/inference/queue')]);
  if (workers.status !== 200 || queue.status !== 200) {
    const code = workers.status !== 200 ? workers.status : queue.status;
    console.log(
      `cannot read workers/queue: HTTP ${code}${code === 401 || code === 403 ? ' (set ADMIN_API_KEY)' : ''}`,
    );
    return 1;
  }
  const readyWorkers = workers.body.filter((w) => w.status === 'ready').length;
  console.log(`workers  ${workers.body.length} online, ${readyWorkers} ready`);
  for (const w of workers.body) console.log(workerLine(w));
  console.log(`queue    ${queue.body.queuedJobs} waiting, ${queue.body.activeJobs} running`);
  for (const q of queue.body.models) {
    const waiting = q.waiting.high + q.waiting.medium + q.waiting.low;
    console.log(
      `  ${q.model.padEnd(32)} waiting ${waiting} (high ${q.waiting.high}, medium ${q.waiting.medium}, low ${q.waiting.low})  running ${q.active}`,
    );
  }
  const healthy = gatewayOk && readyWorkers > 0;
  console.log(`grid     ${healthy ? 'healthy' : 'UNHEALTHY'}`);
  return healthy ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.log(`status failed: ${err.message}`);
    process.exit(1);
  },
);
