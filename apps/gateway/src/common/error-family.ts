import { anthropicError, isAnthropicPath } from '../anthropic-api/anthropic-error';
import { isOpenAiPath, openAiError } from '../openai-api/openai-error';

/** The API family a path belongs to decides the shape of its errors. */
export type ErrorFamily = 'ollama' | 'openai' | 'anthropic';

export function errorFamily(path: string | undefined): ErrorFamily {
  if (isAnthropicPath(path)) return 'anthropic';
  return isOpenAiPath(path) ? 'openai' : 'ollama';
}

/** Ollama's `{"error":"…"}`, OpenAI's `{"error":{message,type,param,code}}` or Anthropic's `{"type":"error",…}`. */
export function familyErrorBody(path: string | undefined, status: number, message: string): object {
  switch (errorFamily(path)) {
    case 'anthropic':
      return anthropicError(status, message);
    case 'openai':
      return openAiError(status, message);
    default:
      return { error: message };
  }
}

/** The last frame of a stream that fails after it started: an NDJSON line, or an SSE (error) event. */
export function streamErrorFrame(path: string | undefined, status: number, message: string): string {
  const body = JSON.stringify(familyErrorBody(path, status, message));
  switch (errorFamily(path)) {
    case 'anthropic':
      return `event: error\ndata: ${body}\n\n`;
    case 'openai':
      return `data: ${body}\n\n`;
    default:
      return `${body}\n`;
  }
}
