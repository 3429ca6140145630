import { ArgumentMetadata, Injectable, PipeTransform, ValidationError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { ValidatorOptions, validateSync } from 'class-validator';

import { InvalidRequestError } from '@gridllm/contracts';

/** Ollama answers a request without a JSON object body with 400 "missing request body". */
@Injectable()
export class RequireBodyPipe implements PipeTransform {
  transform(value: unknown): unknown {
    if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new InvalidRequestError('missing request body');
    }
    return value;
  }
}

/** Not DTO classes: a body declared as one of them is not validated (as Nest's ValidationPipe decides). */
const UNVALIDATED_TYPES: readonly unknown[] = [String, Boolean, Number, Array, Object, Buffer, Date];

/** Nest's ValidationPipe's own defaults, with unknown fields allowed (Ollama accepts fields it does not know). */
const VALIDATOR_OPTIONS: ValidatorOptions = {
  forbidUnknownValues: false,
  whitelist: false,
  forbidNonWhitelisted: false,
  validationError: { target: false },
};

/**
 * Validates the known fields of a parsed JSON body against its DTO class and keeps the body as sent (no
 * transform, unknown fields allowed): Ollama accepts fields it does not know, and the worker must receive
 * them untouched. Runs after RequireBodyPipe, so the value is a JSON object.
 *
 * The same class-transformer and class-validator rules as Nest's ValidationPipe, without what that pipe
 * does for values a JSON body cannot hold (sparse arrays, binary values, primitives), its asynchronous
 * validation (no rule here is asynchronous) and its copy of the result back to a plain object: 20 µs a
 * generate body instead of 40 (issue 15, docs/benchmarks.md).
 */
@Injectable()
export class JsonBodyValidation implements PipeTransform {
  transform(value: unknown, { metatype }: ArgumentMetadata): unknown {
    if (!metatype || UNVALIDATED_TYPES.includes(metatype) || !isJsonObject(value)) return value;
    stripPrototypeKeys(value);
    const errors = validateSync(plainToInstance(metatype, value) as object, VALIDATOR_OPTIONS);
    if (errors.length > 0) throw new InvalidRequestError(firstMessage(errors));
    return value;
  }
}

export const passThroughValidation = new JsonBodyValidation();

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Deletes the keys that would give class-transformer's copy another prototype or constructor (and with it
 * no validation rules) wherever they are in the body, as Nest's ValidationPipe does.
 */
function stripPrototypeKeys(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) stripPrototypeKeys(item);
    return;
  }
  const object = value as Record<string, unknown>;
  for (const key of ['__proto__', 'prototype', 'constructor'])
    if (Object.hasOwn(object, key)) delete object[key];
  for (const key in object) stripPrototypeKeys(object[key]);
}

function firstMessage(errors: ValidationError[]): string {
  const [first] = errors;
  if (!first) return 'invalid request';
  const constraint = Object.values(first.constraints ?? {})[0];
  if (constraint) return constraint;
  return firstMessage(first.children ?? []);
}
