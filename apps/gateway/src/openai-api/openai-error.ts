/** OpenAI's error body, as Ollama's openai middleware writes it (`openai.NewError`). */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: null; code: null };
}

/** Paths of the OpenAI-compatible family, whose errors use OpenAI's shape instead of Ollama's. */
const OPENAI_PATH = /^\/(?:ollama\/)?v1(?:\/|$)/;

export function isOpenAiPath(path: string | undefined): boolean {
  return typeof path === 'string' && OPENAI_PATH.test(path);
}

/**
 * Ollama's mapping (`invalid_request_error` for 400, `not_found_error` for 404, `api_error` otherwise),
 * plus OpenAI's own types for the access errors Ollama never sends (401, 403, 429).
 */
const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
};

export function openAiErrorType(status: number): string {
  return ERROR_TYPES[status] ?? 'api_error';
}

export function openAiError(status: number, message: string): OpenAiErrorBody {
  return { error: { message, type: openAiErrorType(status), param: null, code: null } };
}
