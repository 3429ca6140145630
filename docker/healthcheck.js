// HEALTHCHECK of both images: GET /health/live on this container's own port; exit 0 when it answers 200.
const app = process.env.APP === 'worker' ? 'worker' : 'gateway';
const port =
  (app === 'worker' ? process.env.WORKER_PORT : process.env.GATEWAY_PORT) ||
  process.env.PORT ||
  (app === 'worker' ? '3000' : '4000');

fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(2500) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
