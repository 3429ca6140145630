import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, Max, Min, ValidateIf } from 'class-validator';

/** llama.cpp and Ollama's runner hold counts (tokens, context, threads) as 32-bit integers. */
export const INT32_MIN = -2_147_483_648;
export const INT32_MAX = 2_147_483_647;
/** Sampling parameters are float32 in Ollama's runner: a larger value would reach it as infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

interface BoundOptions {
  /**
   * Check only the range of numbers, leaving other kinds and non-integers to a translator that words
   * type errors as Ollama's middleware does (the OpenAI family).
   */
  numbersOnly?: boolean;
  description?: string;
  /** The object holding the field, named in the message (`options.num_predict must be …`). */
  within?: string;
}

function named(options: BoundOptions): string {
  return options.within ? `${options.within}.$property` : '$property';
}

/** An optional integer field within [min, max]; anything else is a 400 naming the field and the range. */
export function IntIn(min: number, max: number, options: BoundOptions = {}): PropertyDecorator {
  const message = `${named(options)} must be an integer from ${min} to ${max}`;
  const doc = ApiPropertyOptional({
    type: 'integer',
    minimum: min,
    maximum: max,
    description: options.description,
  });
  const range = [Min(min, { message }), Max(max, { message })];
  if (options.numbersOnly) return applyDecorators(doc, ValidateIf(isNumber), ...range);
  return applyDecorators(doc, IsOptional(), IsInt({ message }), ...range);
}

/** An optional finite number within [min, max]. */
export function NumberIn(min: number, max: number, options: BoundOptions = {}): PropertyDecorator {
  const message = `${named(options)} must be a number from ${min} to ${max}`;
  return applyDecorators(
    ApiPropertyOptional({ type: 'number', minimum: min, maximum: max, description: options.description }),
    options.numbersOnly ? ValidateIf(isNumber) : IsOptional(),
    IsNumber({ allowNaN: false, allowInfinity: false }, { message }),
    Min(min, { message }),
    Max(max, { message }),
  );
}

/** A float32 sampling parameter: any finite value the runner can hold. */
export function Float32(options: BoundOptions = {}): PropertyDecorator {
  return NumberIn(-FLOAT32_MAX, FLOAT32_MAX, options);
}

function isNumber(_object: object, value: unknown): boolean {
  return typeof value === 'number';
}
