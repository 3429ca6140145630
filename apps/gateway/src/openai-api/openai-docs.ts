import { Type, applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProduces, ApiResponse, getSchemaPath } from '@nestjs/swagger';

import { OpenAiErrorDto } from './dto/openai-responses.dto';
import { openAiError } from './openai-error';
import { SSE_CONTENT_TYPE } from './sse-sink';

/** Tag of the OpenAI-compatible routes at /v1. */
export const OPENAI_TAG = 'OpenAI-compatible API';

const ERRORS: Record<number, { description: string; example: string }> = {
  400: { description: 'malformed JSON or an invalid field', example: "[] is too short - 'messages'" },
  404: { description: 'no live worker has the model', example: 'model "x" not found, try pulling it first' },
  502: { description: 'the worker or its engine failed', example: 'worker gpu-box-1 failed mid-stream' },
  503: {
    description: 'over MAX_CONCURRENT_JOBS, or no worker serves the model right now (Retry-After)',
    example: 'server busy, please try again. 1000 jobs queued or running (MAX_CONCURRENT_JOBS=1000)',
  },
  504: { description: 'DEFAULT_JOB_TIMEOUT passed', example: 'job timed out after 300000 ms (total)' },
};

/** Documents error answers in OpenAI's shape `{"error":{message,type,param,code}}`. */
export function ApiOpenAiErrors(...statuses: number[]): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(OpenAiErrorDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: ERRORS[status]?.description ?? 'error',
        content: {
          'application/json': {
            schema: { $ref: getSchemaPath(OpenAiErrorDto) },
            example: openAiError(status, ERRORS[status]?.example ?? 'error'),
          },
        },
      }),
    ),
  );
}

export interface SseAnswer {
  chunk: Type<unknown>;
  single: Type<unknown>;
  /** Example chunks of a stream (before `[DONE]`). */
  events: object[];
  object: object;
}

/** A 200 that is one JSON object, or with `stream:true` Server-Sent Events ending in `data: [DONE]`. */
export function ApiSseResponse(answer: SseAnswer): MethodDecorator {
  const events = answer.events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('');
  return applyDecorators(
    ApiExtraModels(answer.chunk, answer.single),
    ApiProduces('application/json', SSE_CONTENT_TYPE),
    ApiResponse({
      status: 200,
      description:
        'One JSON object; with `stream:true` Server-Sent Events (`text/event-stream`): `data: <chunk>` per ' +
        'chunk as the engine produces it, then `data: [DONE]`. A failure after the first event ends the ' +
        'stream with one `data: {"error":{…}}` event and no `[DONE]`.',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(answer.single) }, example: answer.object },
        [SSE_CONTENT_TYPE]: {
          schema: { $ref: getSchemaPath(answer.chunk) },
          example: `${events}data: [DONE]\n\n`,
        },
      },
    }),
  );
}

/** A 200 that is one JSON object, or with `stream:true` named Server-Sent Events. */
export function ApiNamedSseResponse(description: string, object: object, events: object[]): MethodDecorator {
  const stream = events
    .map((event) => `event: ${(event as { type: string }).type}\ndata: ${JSON.stringify(event)}\n\n`)
    .join('');
  return applyDecorators(
    ApiProduces('application/json', SSE_CONTENT_TYPE),
    ApiResponse({
      status: 200,
      description,
      content: {
        'application/json': { example: object },
        [SSE_CONTENT_TYPE]: { schema: { type: 'string' }, example: stream },
      },
    }),
  );
}
