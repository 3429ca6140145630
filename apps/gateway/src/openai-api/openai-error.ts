/** OpenAI's error body, as Ollama's openai middleware writes it (`openai.NewError`). */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: null; code: null };
}

/** Paths of the OpenAI-compatible family, whose errors use OpenAI's shape instead of Ollama's. */
const OPENAI_PATH = /^\/(?:ollama\/)?v1(?:\/|$)/;

export function isOpenAiPath(path: string | undefined): boolean {
  return typeof path === 'string' && OPENAI_PATH.test(path);
}

/** `invalid_request_error` for 400, `not_found_error` for 404, `api_error` for everything else. */
export function openAiErrorType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 404) return 'not_found_error';
  return 'api_error';
}

export function openAiError(status: number, message: string): OpenAiErrorBody {
  return { error: { message, type: openAiErrorType(status), param: null, code: null } };
}
