/**
 * Preloaded into an app under test (NODE_OPTIONS=--require …) when ROUTE_DUMP_FILE is set: once the
 * HTTP server listens, writes every route of the Express app's router stack to that file as JSON
 * `[{ "path": "/api/tags", "method": "GET" }, …]`. Test instrumentation only: the apps never load it.
 */
const http = require('node:http');
const { writeFileSync } = require('node:fs');

const target = process.env.ROUTE_DUMP_FILE;
const createServer = http.createServer;

function routesOf(app) {
  const routes = [];
  for (const layer of app.router.stack) {
    if (!layer.route) continue;
    for (const method of Object.keys(layer.route.methods)) {
      routes.push({ path: layer.route.path, method: method === '_all' ? 'ALL' : method.toUpperCase() });
    }
  }
  return routes;
}

if (target) {
  http.createServer = function (...args) {
    const server = createServer.apply(this, args);
    const app = args.find((arg) => typeof arg === 'function' && arg.router);
    if (app) server.once('listening', () => writeFileSync(target, JSON.stringify(routesOf(app))));
    return server;
  };
}
