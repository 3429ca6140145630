import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

import { Float32, INT32_MAX, INT32_MIN, IntIn } from '../../common/number-bounds';

/** The largest `keep_alive` in seconds: Go's time.Duration (int64 nanoseconds) ends there. */
export const MAX_KEEP_ALIVE_SECONDS = 9_223_372_036;

/**
 * Ollama's `options` the engine reads as numbers, bounded to what its runner can hold (32-bit counts,
 * float32 sampling): 1e308 tokens or 2^53 of context never reach a worker. `num_predict` keeps Ollama's
 * -1 (no limit) and -2 (fill the context). Other keys pass through untouched.
 */
const IN_OPTIONS = { within: 'options' };

export class EngineOptionsDto {
  @IntIn(-2, INT32_MAX, {
    ...IN_OPTIONS,
    description: 'tokens to generate; -1 no limit, -2 fill the context',
  })
  num_predict?: number;
  @IntIn(0, INT32_MAX, IN_OPTIONS) num_ctx?: number;
  @IntIn(-1, INT32_MAX, IN_OPTIONS) num_keep?: number;
  @IntIn(INT32_MIN, 4_294_967_295, {
    ...IN_OPTIONS,
    description: 'llama.cpp takes it as an unsigned 32-bit value',
  })
  seed?: number;
  @IntIn(INT32_MIN, INT32_MAX, IN_OPTIONS) top_k?: number;
  @IntIn(-1, INT32_MAX, IN_OPTIONS) repeat_last_n?: number;
  @IntIn(0, INT32_MAX, IN_OPTIONS) num_batch?: number;
  @IntIn(-1, INT32_MAX, IN_OPTIONS) num_gpu?: number;
  @IntIn(0, INT32_MAX, IN_OPTIONS) main_gpu?: number;
  @IntIn(0, INT32_MAX, IN_OPTIONS) num_thread?: number;
  @IntIn(0, 2, IN_OPTIONS) mirostat?: number;
  @Float32(IN_OPTIONS) temperature?: number;
  @Float32(IN_OPTIONS) top_p?: number;
  @Float32(IN_OPTIONS) min_p?: number;
  @Float32(IN_OPTIONS) typical_p?: number;
  @Float32(IN_OPTIONS) repeat_penalty?: number;
  @Float32(IN_OPTIONS) presence_penalty?: number;
  @Float32(IN_OPTIONS) frequency_penalty?: number;
  @Float32(IN_OPTIONS) tfs_z?: number;
  @Float32(IN_OPTIONS) mirostat_tau?: number;
  @Float32(IN_OPTIONS) mirostat_eta?: number;
}

/** The `options` field of every Ollama-shaped request: an object whose numbers are checked as above. */
export function EngineOptions(): PropertyDecorator {
  const message = 'options must be an object';
  return applyDecorators(
    ApiPropertyOptional({ type: EngineOptionsDto, example: { temperature: 0.7, num_predict: 128 } }),
    IsOptional(),
    IsObject({ message }),
    ValidateNested({ message }),
    Type(() => EngineOptionsDto),
  );
}

/** `keep_alive`: a duration string, or seconds no longer than a Go duration can hold (negative: forever). */
export function KeepAlive(): PropertyDecorator {
  const message = `keep_alive in seconds must be a number from -${MAX_KEEP_ALIVE_SECONDS} to ${MAX_KEEP_ALIVE_SECONDS}`;
  return applyDecorators(
    ApiPropertyOptional({
      oneOf: [
        { type: 'string', example: '5m' },
        { type: 'number', minimum: -MAX_KEEP_ALIVE_SECONDS, maximum: MAX_KEEP_ALIVE_SECONDS },
      ],
      description: 'duration string ("5m") or seconds; negative: keep loaded; 0: unload',
    }),
    ValidateIf((_o, value) => typeof value === 'number'),
    IsNumber({ allowNaN: false, allowInfinity: false }, { message }),
    Min(-MAX_KEEP_ALIVE_SECONDS, { message }),
    Max(MAX_KEEP_ALIVE_SECONDS, { message }),
  );
}

/** The deprecated `context` of /api/generate: token ids, each a 32-bit value. */
export function TokenContext(): PropertyDecorator {
  const message = 'context must be an array of token ids (integers from 0 to 2147483647)';
  return applyDecorators(
    ApiPropertyOptional({ type: 'array', items: { type: 'integer', minimum: 0, maximum: INT32_MAX } }),
    IsOptional(),
    IsArray({ message }),
    IsInt({ each: true, message }),
    Min(0, { each: true, message }),
    Max(INT32_MAX, { each: true, message }),
  );
}

/** `top_logprobs`: Ollama refuses anything outside 0–20. */
export function TopLogprobs(numbersOnly = false): PropertyDecorator {
  return IntIn(0, 20, { numbersOnly });
}
