import { gzipSync } from 'node:zlib';

import fc from 'fast-check';

import {
  HOSTILE_NAMES,
  HOSTILE_NUMBERS,
  Mutation,
  PROTO_KEYS,
  deepNesting,
  hugeString,
  prototypeKey,
  replaced,
  truncated,
} from './hostile-values';

/** The parts of an OpenAPI 3 document the fuzzer reads. */
export interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  schema?: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** One documented route: method, path template, its parameters and body schema. */
export interface Route {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
}

/** A request the fuzzer sends, and what it was made of (for the failure report and the checks). */
export interface FuzzRequest {
  route: Route;
  /** The name of the credential sent (see `RequestArbitraries.request`). */
  credential: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /**
   * Sent with the route's own method to a URL that still has the route's shape: a path parameter such
   * as `..` is resolved away by the URL parser, and the request then goes elsewhere.
   */
  documented: boolean;
  /** Which hostile ingredients went into it. */
  traits: string[];
}

const METHODS = ['get', 'head', 'post', 'put', 'delete', 'patch'];

export function routesOf(document: OpenApiDocument): Route[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema,
      })),
  );
}

/** Fields of the Ollama bodies the document describes only as objects (copy, delete, pull …). */
const UNDOCUMENTED_BODY: Record<string, Schema> = {
  model: { type: 'string' },
  name: { type: 'string' },
  source: { type: 'string' },
  destination: { type: 'string' },
  prompt: { type: 'string' },
  stream: { type: 'boolean' },
  options: { type: 'object', properties: { num_predict: { type: 'integer' }, num_ctx: { type: 'integer' } } },
};

/** Builds a fast-check generator of requests for `routes`, with `models` as names that exist. */
export class RequestArbitraries {
  constructor(
    private readonly document: OpenApiDocument,
    private readonly models: string[],
  ) {}

  /**
   * Requests for `routes` at `baseUrl`, each with one of `credentials` (name → headers), a documented or
   * a wrong method, and maybe a hostile body mutation and Content-Encoding.
   */
  request(
    routes: Route[],
    baseUrl: string,
    credentials: Record<string, Record<string, string>>,
  ): fc.Arbitrary<FuzzRequest> {
    // One arbitrary per route, built once: building them per sample costs more than the request.
    return fc.oneof(...routes.map((route) => this.forRoute(route, baseUrl, credentials)));
  }

  private forRoute(
    route: Route,
    baseUrl: string,
    credentials: Record<string, Record<string, string>>,
  ): fc.Arbitrary<FuzzRequest> {
    return fc
      .record({
        path: this.path(route),
        query: this.query(route),
        body: route.body ? this.body(route.body) : fc.constant(undefined),
        mutation: this.mutation(),
        encoding: this.encoding(),
        credential: fc.constantFrom(...Object.keys(credentials)),
        method: fc.oneof(
          { weight: 9, arbitrary: fc.constant(route.method) },
          { weight: 1, arbitrary: fc.constantFrom('PATCH', 'PUT', 'DELETE') },
        ),
      })
      .map(({ path, query, body, mutation, encoding, method, credential }) => {
        const traits: string[] = [];
        const hasBody = !['GET', 'HEAD'].includes(method);
        let text = hasBody && body !== undefined ? JSON.stringify(body) : hasBody ? '{}' : undefined;
        if (text !== undefined && mutation) {
          text = mutation.apply(text);
          traits.push(mutation.name);
        }
        const headers: Record<string, string> = {
          'Content-Type': 'application/json',
          ...credentials[credential],
        };
        let payload: string | Buffer | undefined = text;
        if (text !== undefined && encoding) {
          headers['Content-Encoding'] = encoding.header;
          payload = encoding.encode ? gzipSync(text) : text;
          traits.push(`content-encoding:${encoding.header}${encoding.encode ? '(real)' : ''}`);
        }
        if (method !== route.method) traits.push(`method:${method}`);
        const url = `${baseUrl}${path}${query}`;
        // A path still names its route when it has the route's segments, none of them empty: an empty
        // parameter (`/api/blobs/`) is another, unknown path (404 before any credential is read).
        const segments = new URL(url).pathname.split('/');
        const template = route.path.split('/');
        const kept =
          segments.length === template.length &&
          segments.every((segment, index) => segment !== '' || template[index] === '');
        const documented = method === route.method && kept;
        return { route, credential, method, url, headers, body: payload, traits, documented };
      });
  }

  /** A JSON value for `schema`: mostly of its type (with hostile values mixed in), sometimes of any type. */
  value(schema: Schema | undefined, field = '', depth = 0): fc.Arbitrary<unknown> {
    const resolved = this.resolve(schema);
    const typed = this.typed(resolved, field, depth);
    return fc.oneof({ weight: 9, arbitrary: typed }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
  }

  private typed(schema: Schema | undefined, field: string, depth: number): fc.Arbitrary<unknown> {
    if (!schema) return fc.jsonValue({ maxDepth: 2 });
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const variants = schema.oneOf ?? schema.anyOf ?? schema.allOf;
    if (variants) return fc.oneof(...variants.map((variant) => this.value(variant, field, depth)));
    if (/^(model|name|source|destination|from)$/.test(field)) return this.modelName();
    switch (schema.type) {
      case 'string':
        return fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...HOSTILE_NAMES));
      case 'integer':
      case 'number':
        return fc.oneof(
          fc.integer({
            min: Math.max(schema.minimum ?? -1000, -1e6),
            max: Math.max(Math.min(schema.maximum ?? 1000, 1e6), Math.max(schema.minimum ?? -1000, -1e6)),
          }),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.constantFrom(...HOSTILE_NUMBERS),
        );
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(this.value(schema.items, field, depth + 1), { maxLength: depth > 2 ? 0 : 3 });
      default:
        return this.object(schema, depth);
    }
  }

  private object(schema: Schema, depth: number): fc.Arbitrary<unknown> {
    // A body documented only as "an object" (model management) gets the fields such bodies carry.
    const documented = schema.properties ?? (depth === 0 ? UNDOCUMENTED_BODY : {});
    const properties = depth > 3 ? {} : documented;
    const fields = Object.fromEntries(
      Object.entries(properties).map(([name, property]) => [name, this.value(property, name, depth + 1)]),
    );
    return fc.record(fields, { requiredKeys: (schema.required ?? []).filter((name) => name in fields) });
  }

  private body(schema: Schema): fc.Arbitrary<unknown> {
    return this.value(schema, '', 0);
  }

  private modelName(): fc.Arbitrary<string> {
    return fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...this.models) },
      { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NAMES) },
      { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
      { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}(:[a-z0-9]{1,8})?$/) },
    );
  }

  private path(route: Route): fc.Arbitrary<string> {
    const names = route.parameters.filter((parameter) => parameter.in === 'path').map((p) => p.name);
    const segment = fc.oneof(
      fc.constantFrom(...this.models, ...HOSTILE_NAMES),
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.uuid(),
    );
    return fc
      .array(segment, { minLength: names.length, maxLength: names.length })
      .map((values) =>
        names.reduce(
          (path, name, index) => path.replace(`{${name}}`, encodeURIComponent(values[index])),
          route.path,
        ),
      );
  }

  private query(route: Route): fc.Arbitrary<string> {
    const names = route.parameters.filter((parameter) => parameter.in === 'query').map((p) => p.name);
    if (names.length === 0) return fc.constant('');
    return fc
      .array(fc.tuple(fc.constantFrom(...names, '__proto__'), fc.string({ maxLength: 20 })), { maxLength: 3 })
      .map((pairs) =>
        pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`,
      );
  }

  /** A hostile change to the JSON text, or none (most requests stay well-formed). */
  private mutation(): fc.Arbitrary<Mutation | null> {
    return fc.oneof(
      { weight: 10, arbitrary: fc.constant(null) },
      { weight: 2, arbitrary: fc.integer({ min: 60, max: 20_000 }).map(deepNesting) },
      { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS).map(prototypeKey) },
      { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 1_000_000 }).map(hugeString) },
      { weight: 1, arbitrary: fc.nat().map(truncated) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('[]', '"text"', 'null', '1e999', '', '{"a":1}garbage').map(replaced),
      },
    );
  }

  /** A Content-Encoding header, mostly absent; sometimes a real gzip body. */
  private encoding(): fc.Arbitrary<{ header: string; encode: boolean } | null> {
    return fc.oneof(
      { weight: 8, arbitrary: fc.constant(null) },
      {
        weight: 2,
        arbitrary: fc
          .constantFrom('gzip', 'GZIP', 'deflate', 'Deflate', 'br', 'bR', 'x-unknown', 'identity')
          .map((header) => ({ header, encode: false })),
      },
      { weight: 1, arbitrary: fc.constant({ header: 'gzip', encode: true }) },
    );
  }

  private resolve(schema: Schema | undefined): Schema | undefined {
    if (!schema?.$ref) return schema;
    const name = schema.$ref.replace('#/components/schemas/', '');
    return this.document.components?.schemas?.[name];
  }
}
