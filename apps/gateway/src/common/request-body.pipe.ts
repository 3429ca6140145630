import { Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';

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

/**
 * Validates known fields and keeps the body exactly as sent (no transform, unknown fields allowed):
 * Ollama accepts fields it does not know, and the worker must receive them untouched.
 */
export const passThroughValidation = new ValidationPipe({
  transform: false,
  whitelist: false,
  forbidNonWhitelisted: false,
  exceptionFactory: (errors: ValidationError[]) => new InvalidRequestError(firstMessage(errors)),
});

function firstMessage(errors: ValidationError[]): string {
  const [first] = errors;
  if (!first) return 'invalid request';
  const constraint = Object.values(first.constraints ?? {})[0];
  if (constraint) return constraint;
  return firstMessage(first.children ?? []);
}
