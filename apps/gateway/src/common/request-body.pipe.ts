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
 *
 * Keys named `constructor` or `prototype` must not reach class-transformer: it takes an object's
 * `constructor` for its class (and throws when that is not a class). A body that has any is validated as a
 * copy without them, and sent with them: Nest's pipe deleted them from the body wherever they were, so a
 * JSON schema in `format` with a property named `constructor` lost it. `__proto__` keys are deleted from the
 * body itself: no request needs one, and a copy or merge of the body further on could take one for a
 * prototype.
 */
@Injectable()
export class JsonBodyValidation implements PipeTransform {
  transform(value: unknown, { metatype }: ArgumentMetadata): unknown {
    if (!metatype || UNVALIDATED_TYPES.includes(metatype) || !isJsonObject(value)) return value;
    const checked = dropProtoKeys(value) ? withoutShadowingKeys(value) : value;
    const errors = validateSync(plainToInstance(metatype, checked) as object, VALIDATOR_OPTIONS);
    if (errors.length > 0) throw new InvalidRequestError(firstMessage(errors));
    return value;
  }
}

export const passThroughValidation = new JsonBodyValidation();

/**
 * Keys left out of what is validated: class-transformer takes `constructor` for an object's class, and
 * Nest's pipe left out both.
 */
const SHADOWING_KEYS = ['constructor', 'prototype'];

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deletes every `__proto__` key in the value; true when it holds a key of SHADOWING_KEYS anywhere. */
function dropProtoKeys(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  let shadowing = false;
  if (Array.isArray(value)) {
    for (const item of value) shadowing = dropProtoKeys(item) || shadowing;
    return shadowing;
  }
  const object = value as Record<string, unknown>;
  if (Object.hasOwn(object, '__proto__')) delete object['__proto__'];
  for (const key in object) {
    if (SHADOWING_KEYS.includes(key)) shadowing = true;
    shadowing = dropProtoKeys(object[key]) || shadowing;
  }
  return shadowing;
}

/** A copy of the value without SHADOWING_KEYS, for validation only. */
function withoutShadowingKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(withoutShadowingKeys);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    if (!SHADOWING_KEYS.includes(key)) copy[key] = withoutShadowingKeys(item);
  return copy;
}

function firstMessage(errors: ValidationError[]): string {
  const [first] = errors;
  if (!first) return 'invalid request';
  const constraint = Object.values(first.constraints ?? {})[0];
  if (constraint) return constraint;
  return firstMessage(first.children ?? []);
}
