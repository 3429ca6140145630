import { Type, applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProduces, ApiResponse, getSchemaPath } from '@nestjs/swagger';

import { ErrorBodyDto } from '../common/error-body.dto';

/** Content type of every streamed answer: one JSON object per line, flushed per chunk. */
export const NDJSON = 'application/x-ndjson';

const ERRORS: Record<number, { description: string; example: string }> = {
  400: { description: 'malformed JSON, missing body or invalid field', example: 'model is required' },
  404: { description: 'no live worker has the model', example: 'model "x" not found, try pulling it first' },
  409: {
    description: 'the job has not finished yet',
    example: 'job "3f1c…" has no result yet (state: active)',
  },
  413: { description: 'body larger than BODY_LIMIT', example: 'request body too large' },
  502: { description: 'the worker or its engine failed', example: 'worker gpu-box-1 failed mid-stream' },
  503: {
    description:
      'over MAX_CONCURRENT_JOBS / MAX_QUEUE_PER_MODEL, or no worker serves the model right now (Retry-After)',
    example: 'server busy, please try again. 1000 jobs queued or running (MAX_CONCURRENT_JOBS=1000)',
  },
  504: {
    description: 'DEFAULT_JOB_TIMEOUT passed',
    example: 'job timed out after 300000 ms (total): DEFAULT_JOB_TIMEOUT',
  },
};

/** Documents error answers: Ollama's `{"error":"…"}` body with the given statuses. */
export function ApiErrorResponses(...statuses: number[]): MethodDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: ERRORS[status]?.description ?? 'error',
        content: {
          'application/json': {
            schema: { $ref: getSchemaPath(ErrorBodyDto) },
            example: { error: ERRORS[status]?.example ?? 'error' },
          },
        },
      }),
    ),
    ApiExtraModels(ErrorBodyDto),
  );
}

export interface StreamedAnswer {
  /** One chunk; the same shape is the single object of a non-streamed answer unless `single` says otherwise. */
  chunk: Type<unknown>;
  single?: Type<unknown>;
  /** Example lines of a stream, last one `done:true`. */
  lines: object[];
  /** Example of the single JSON object. */
  object: object;
  /** When the request streams: the default of `stream`. */
  when: string;
}

/**
 * A 200 that is an NDJSON stream (`application/x-ndjson`, one JSON object per line, the last one
 * `done:true` with metrics; a failure after the first line ends it with one `{"error":"…"}` line) or
 * one JSON object. OpenAPI 3.0 cannot type a stream: the schema is one line, the description shows a
 * whole stream. The OpenAI family streams Server-Sent Events (`text/event-stream`) instead.
 */
export function ApiStreamedResponse(answer: StreamedAnswer): MethodDecorator {
  const single = answer.single ?? answer.chunk;
  return applyDecorators(
    ApiExtraModels(answer.chunk, single),
    ApiProduces(NDJSON, 'application/json'),
    ApiResponse({
      status: 200,
      description:
        `${answer.when}: an NDJSON stream (\`${NDJSON}\`), one chunk per line as the engine produces it, ` +
        'ending in exactly one `done:true` line with the metrics; a failure after streaming began ends ' +
        'the stream with one `{"error":"…"}` line. Otherwise one JSON object (`application/json`).\n\n' +
        ndjsonBlock(answer.lines),
      content: {
        [NDJSON]: { schema: { $ref: getSchemaPath(answer.chunk) }, example: answer.lines[0] },
        'application/json': { schema: { $ref: getSchemaPath(single) }, example: answer.object },
      },
    }),
  );
}

/** Example stream lines as a Markdown code block (Swagger UI renders descriptions as Markdown). */
export function ndjsonBlock(lines: object[]): string {
  return ['```', ...lines.map((line) => JSON.stringify(line)), '```'].join('\n');
}
