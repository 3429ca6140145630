import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

import { anthropicError } from './anthropic-error';

/** Tag of the Anthropic-compatible route. */
export const ANTHROPIC_TAG = 'Anthropic-compatible API';

const ERRORS: Record<number, { description: string; example: string }> = {
  400: {
    description: 'malformed JSON or an invalid field',
    example: 'max_tokens is required and must be positive',
  },
  401: { description: 'missing or unknown API key (Authorization or x-api-key)', example: 'invalid API key' },
  403: { description: 'the key may not use this model or scope', example: 'key may not use model "x"' },
  404: { description: 'no live worker has the model', example: 'model "x" not found, try pulling it first' },
  429: {
    description: 'rate limit of the key or client',
    example: 'rate limit exceeded: 5 requests per 60 s',
  },
  502: { description: 'the worker or its engine failed', example: 'worker gpu-box-1 failed mid-stream' },
  503: {
    description: 'over capacity (overloaded_error, Retry-After)',
    example: 'server busy, please try again.',
  },
};

/** Error answers in Anthropic's shape `{"type":"error","error":{type,message}}`. */
export function ApiAnthropicErrors(...statuses: number[]): MethodDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: ERRORS[status]?.description ?? 'error',
        content: {
          'application/json': { example: anthropicError(status, ERRORS[status]?.example ?? 'error') },
        },
      }),
    ),
  );
}
