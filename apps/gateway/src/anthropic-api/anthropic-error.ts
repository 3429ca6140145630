import { randomBytes } from 'node:crypto';

/** Anthropic's error body, as Ollama's anthropic middleware writes it (`anthropic.NewError`). */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

/** Paths of the Anthropic family (Messages API), whose errors use Anthropic's shape. */
const ANTHROPIC_PATH = /^\/(?:ollama\/)?v1\/messages(?:\/|$)/;

export function isAnthropicPath(path: string | undefined): boolean {
  return typeof path === 'string' && ANTHROPIC_PATH.test(path);
}

/** Anthropic's error types by status; 503 and 529 are "overloaded" (the SDK retries those). */
const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  529: 'overloaded_error',
};

export function anthropicErrorType(status: number): string {
  return ERROR_TYPES[status] ?? 'api_error';
}

export function anthropicError(status: number, message: string): AnthropicErrorBody {
  return {
    type: 'error',
    error: { type: anthropicErrorType(status), message },
    request_id: `req_${randomBytes(12).toString('hex')}`,
  };
}
