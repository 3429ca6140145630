import { ForbiddenError, Principal, Scope, hasScope, normalizeModelName, quote } from '@gridllm/contracts';

/**
 * Paths anyone may call with auth on: probes, docs and the dashboard's static page (it holds no data; it
 * asks for a key and sends it with every call). /metrics checks its own METRICS_TOKEN, and a worker's blob
 * download its signed link.
 */
const PUBLIC_PATH =
  /^\/(health(\/.*)?|metrics|docs(\/.*|-json|-yaml)?|dashboard(\/.*)?|internal\/blobs\/[^/]+)$/;

export function isPublicPath(path: string): boolean {
  return PUBLIC_PATH.test(path);
}

/** Body fields that name a model, across the Ollama, OpenAI and native request shapes. */
const MODEL_FIELDS = ['model', 'name', 'source', 'destination'] as const;

/** Throws ForbiddenError unless the principal holds `scope` and may use every model the body names. */
export function authorize(principal: Principal, scope: Scope, body: unknown): void {
  if (!hasScope(principal, scope)) {
    throw new ForbiddenError(`${describe(principal)} lacks the '${scope}' scope this endpoint needs`);
  }
  const refused = modelsNamed(body).find((model) => !mayUse(principal, model));
  if (refused !== undefined)
    throw new ForbiddenError(`${describe(principal)} may not use model '${quote(refused)}'`);
}

/** Whether the principal may use (and see listed) the model; no principal means auth is off. */
export function mayUse(principal: Principal | undefined, model: string): boolean {
  if (!principal?.models || hasScope(principal, 'admin')) return true;
  return principal.models.includes(normalizeModelName(model));
}

function modelsNamed(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const fields = body as Record<string, unknown>;
  return MODEL_FIELDS.map((field) => fields[field]).filter(
    (value): value is string => typeof value === 'string' && value.trim().length > 0,
  );
}

/** How errors name a principal: its id, never its secret. */
export function describe(principal: Principal): string {
  switch (principal.kind) {
    case 'api-key':
      return `key ${principal.id}`;
    case 'admin-key':
      return 'the admin key';
    case 'jwt':
      return `token subject ${principal.id.slice('jwt:'.length)}`;
    default:
      return principal.id;
  }
}
