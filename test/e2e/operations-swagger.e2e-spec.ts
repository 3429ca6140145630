import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { TestGrid } from '../support/test-grid';

/** Routes the gateway serves on purpose without documenting them, with the reason. */
const UNDOCUMENTED: Record<string, string> = {
  'GET /docs': 'Swagger UI itself',
  'GET /docs/': 'Swagger UI itself',
  'GET /docs/index.html': 'Swagger UI itself',
  'GET /docs/LICENSE': 'Swagger UI itself',
  'GET /docs/swagger-ui-init.js': 'Swagger UI itself',
  'GET /docs/docs/swagger-ui-init.js': 'Swagger UI itself (relative-path variant)',
  'GET /docs-json': 'the OpenAPI document',
  'GET /docs-yaml': 'the OpenAPI document',
  'GET /internal/blobs/:digest': "workers' blob downloads for /api/create: a signed link, not an API route",
};

interface Operation {
  operationId?: string;
  requestBody?: { content: Record<string, { schema?: unknown; examples?: Record<string, unknown> }> };
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema?: unknown; example?: unknown }> }
  >;
}

interface OpenApiDocument {
  info: { description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Record<string, unknown>>; schemas: Record<string, unknown> };
}

/** `/inference/{id}/status` → `/inference/:id/status`, as Express writes it. */
function expressPath(openApiPath: string): string {
  return openApiPath.replace(/\{([^}]+)\}/g, ':$1');
}

/** Express 5 wildcards (`/v1/models/*model`, for names with slashes) are one path parameter in OpenAPI. */
function withNamedParams(servedPath: string): string {
  return servedPath.replace(/\*(\w+)/g, ':$1');
}

describe('Operations: Swagger', () => {
  const grid = new TestGrid();
  const dumpDir = mkdtempSync(join(tmpdir(), 'gridllm-routes-'));
  let served: string[];
  let document: OpenApiDocument;

  beforeAll(async () => {
    await grid.start();
    // The routes come from the running gateway's Express router (test/support/route-dump.js).
    await grid.startGateway({
      NODE_OPTIONS: `--require ${join(__dirname, '..', 'support', 'route-dump.js')}`,
      ROUTE_DUMP_FILE: join(dumpDir, 'routes.json'),
    });
    const routes = JSON.parse(readFileSync(join(dumpDir, 'routes.json'), 'utf8')) as Array<{
      path: string;
      method: string;
    }>;
    served = routes.map(({ method, path }) => `${method} ${withNamedParams(path)}`);
    document = (await (await fetch(`${grid.gatewayUrl}/docs-json`)).json()) as OpenApiDocument;
  });

  afterAll(async () => {
    await grid.stop();
    rmSync(dumpDir, { recursive: true, force: true });
  });

  const documented = () =>
    Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${expressPath(path)}`),
    );
  const operation = (method: string, path: string): Operation => document.paths[path][method];

  describe('route coverage', () => {
    it('documents every route the gateway serves', () => {
      expect(served.length).toBeGreaterThan(20);
      const missing = served.filter((route) => !(route in UNDOCUMENTED) && !documented().includes(route));
      expect(missing).toEqual([]);
    });

    it('documents no route the gateway does not serve', () => {
      expect(documented().filter((route) => !served.includes(route))).toEqual([]);
    });

    it('lists only undocumented routes that exist', () => {
      expect(Object.keys(UNDOCUMENTED).filter((route) => !served.includes(route))).toEqual([]);
    });

    it('describes both API families and the admin API', () => {
      const paths = Object.keys(document.paths);
      expect(paths).toEqual(
        expect.arrayContaining(['/api/generate', '/ollama/api/generate', '/inference', '/admin/workers']),
      );
    });
  });

  describe('content', () => {
    it('describes streamed answers as NDJSON and mentions SSE for the OpenAI family', () => {
      const streamed = [
        operation('post', '/api/generate'),
        operation('post', '/ollama/api/chat'),
        operation('post', '/inference'),
        operation('get', '/inference/{id}/stream'),
      ];
      for (const op of streamed) {
        expect(op.responses['200'].content?.['application/x-ndjson'].schema).toBeDefined();
        expect(op.responses['200'].description).toContain('"done":true');
      }
      expect(document.info.description).toContain('text/event-stream');
    });

    it('gives the main endpoints request and response schemas with examples', () => {
      const generate = operation('post', '/api/generate');
      expect(generate.requestBody?.content['application/json'].schema).toBeDefined();
      expect(Object.keys(generate.requestBody?.content['application/json'].examples ?? {})).not.toHaveLength(
        0,
      );
      expect(generate.responses['200'].content?.['application/json'].example).toMatchObject({ done: true });
      expect(generate.responses['404'].content?.['application/json'].example).toHaveProperty('error');
      expect(operation('get', '/api/tags').responses['200'].content?.['application/json'].schema).toEqual({
        $ref: '#/components/schemas/TagsResponseDto',
      });
      expect(
        operation('get', '/admin/workers').responses['200'].content?.['application/json'].schema,
      ).toEqual({
        type: 'array',
        items: { $ref: '#/components/schemas/WorkerInfoDto' },
      });
    });

    it('gives every operation a distinct id', () => {
      const ids = Object.values(document.paths).flatMap((ops) =>
        Object.values(ops).map((op) => op.operationId),
      );
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.filter((id) => /[[\]]/.test(String(id)))).toEqual([]);
    });

    it('declares the bearer and x-api-key schemes', () => {
      expect(document.components.securitySchemes).toMatchObject({
        bearer: { type: 'http', scheme: 'bearer' },
        api_key: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      });
    });
  });
});
