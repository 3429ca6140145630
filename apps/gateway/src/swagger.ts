import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

import { isPublicPath } from './auth/access-rules';
import { OLLAMA_PREFIX_TAG, OLLAMA_TAG, separateOllamaPrefix } from './docs/openapi-document';
import { ANTHROPIC_TAG } from './anthropic-api/anthropic-docs';
import { OPENAI_TAG } from './openai-api/openai-docs';

const DESCRIPTION = [
  'One Ollama-compatible URL in front of many workers.',
  '',
  '- **Ollama API** at the root (`OLLAMA_HOST=http://gateway:4000`) and under `/ollama`: the same bytes Ollama sends.',
  '- **OpenAI-compatible API** at `/v1` (and `/ollama/v1`): chat/completions, completions, embeddings, models.',
  '- **Native API** (`/inference`): priorities, async jobs, status, results and replayable streams.',
  '- **Admin** (`/admin/workers`): the live fleet.',
  '',
  '**Streaming.** `/api/generate`, `/api/chat` and `/inference` (with `stream:true`) answer ' +
    '`application/x-ndjson`: one JSON object per line, flushed as the engine produces it, ending in one ' +
    '`done:true` line. The OpenAI-compatible family (`/v1/*`) streams Server-Sent Events ' +
    '(`text/event-stream`) instead.',
  '',
  '**Correlation.** Send `x-request-id` (or get one): it comes back on the response and appears in the ' +
    'logs of the gateway and of the worker that ran the job. Inference responses carry ' +
    '`x-gridllm-job-id` and `x-gridllm-worker`.',
  '',
  '**Auth.** When the gateway runs with auth on (`ADMIN_API_KEY`, `API_KEY_ENABLED=true` or a JWT verifier), ' +
    'every route but `/health*`, `/docs*`, `/dashboard*` (the page only) and `/metrics` needs an API key or a JWT, as `Authorization: Bearer <key>` ' +
    'or `x-api-key: <key>`. 401: missing or wrong credentials; 403: the key lacks the scope ' +
    '(`inference`, `models:manage`, `dashboard` (read-only live view), `admin`) or the model is outside its allowlist; 429: rate limit, token quota ' +
    'or concurrent-job limit reached (Retry-After). `/metrics` takes `Authorization: Bearer <METRICS_TOKEN>` when set.',
].join('\n');

/** Swagger UI at /docs and the OpenAPI JSON at /docs-json, for every API family. */
export function setupSwagger(app: INestApplication, authEnabled: boolean): void {
  const builder = new DocumentBuilder()
    .setTitle('GridLLM gateway')
    .setDescription(DESCRIPTION)
    .setVersion('0.1.0')
    .addTag(OLLAMA_TAG, "Ollama's API at the root path")
    .addTag(OLLAMA_PREFIX_TAG, 'The same routes under /ollama')
    .addTag(OPENAI_TAG, "OpenAI's chat/completions, completions, responses, embeddings and models at /v1")
    .addTag(ANTHROPIC_TAG, "Anthropic's Messages API at /v1/messages")
    .addTag('Native API', 'Jobs with priorities, async submission, status, results and replayable streams')
    .addTag('Admin', 'The worker fleet and API keys')
    .addTag('Dashboard', 'The live dashboard at /dashboard reads these (scope `dashboard` or `admin`)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key (gllm_…) or JWT' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key', description: 'API key' });
  // With auth off, `{}` says that no credentials are needed.
  if (!authEnabled) builder.addSecurityRequirements({});
  const config = builder.addSecurityRequirements('bearer').addSecurityRequirements('api_key').build();
  const document = markPublicRoutes(separateOllamaPrefix(SwaggerModule.createDocument(app, config)));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/** What every protected operation may answer with auth on, in the shape of its family. */
const ACCESS_ERRORS: Record<string, { description: string; example: string }> = {
  '401': { description: 'missing or wrong API key / token (auth on)', example: 'invalid API key' },
  '403': {
    description: 'the key lacks the scope, or the model is outside its allowlist',
    example: "key key_3f9a1c2b7d4e5f60 may not use model 'llama3.2:latest'",
  },
  '429': {
    description: 'rate limit, token quota or concurrent-job limit reached (Retry-After)',
    example: 'rate limit exceeded: 60 requests per 60 s for key key_3f9a1c2b7d4e5f60; retry in 12 s',
  },
};

interface DocumentedOperation {
  security?: unknown[];
  responses?: Record<string, unknown>;
}

/**
 * Health probes need no credentials (`security: []`); /metrics declares its own bearer (METRICS_TOKEN)
 * on the operation; every other operation lists the access errors.
 */
function markPublicRoutes(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item as Record<string, DocumentedOperation>)) {
      if (isPublicPath(path)) {
        if (path !== '/metrics') operation.security = [];
        continue;
      }
      operation.responses ??= {};
      for (const [status, { description, example }] of Object.entries(ACCESS_ERRORS)) {
        operation.responses[status] ??= {
          description,
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/ErrorBodyDto' },
              example: { error: example },
            },
          },
        };
      }
    }
  }
  return document;
}
