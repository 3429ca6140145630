import { InvalidRequestError } from '@gridllm/contracts';

import { EmbeddingList } from './openai-wire';
import { RequestFields } from './request-fields';

export type EncodingFormat = 'float' | 'base64';

/** The Ollama `/api/embed` request and how to encode its vectors. */
export interface EmbedTranslation {
  request: Record<string, unknown>;
  encoding: EncodingFormat;
}

/**
 * `POST /v1/embeddings` → Ollama `/api/embed` (Ollama's EmbeddingsMiddleware): `input` is a string or
 * an array of strings ("" embeds one empty string), `encoding_format` float (default) or base64.
 */
export function toOllamaEmbedRequest(body: Record<string, unknown>): EmbedTranslation {
  const fields = new RequestFields(body, 'EmbedRequest');
  const format = fields.string('encoding_format') ?? '';
  const lower = format.toLowerCase();
  if (format !== '' && lower !== 'float' && lower !== 'base64') {
    throw new InvalidRequestError(
      `Invalid value for 'encoding_format' = ${format}. Supported values: ['float', 'base64'].`,
    );
  }
  const request: Record<string, unknown> = { model: fields.string('model'), input: embedInput(body.input) };
  const dimensions = fields.int('dimensions');
  if (dimensions) request.dimensions = dimensions;
  return { request, encoding: lower === 'base64' ? 'base64' : 'float' };
}

function embedInput(input: unknown): string | string[] {
  if (input === '') return [''];
  if (input === undefined || input === null || (Array.isArray(input) && input.length === 0)) {
    throw new InvalidRequestError('invalid input');
  }
  // Token arrays are not supported (Ollama's /api/embed answers the same).
  if (typeof input === 'string') return input;
  if (Array.isArray(input) && input.every((item) => typeof item === 'string')) return input;
  throw new InvalidRequestError('invalid input type');
}

/** Ollama's `/api/embed` answer → OpenAI's embedding list (Ollama's `ToEmbeddingList`). */
export function toEmbeddingList(
  model: string,
  answer: Record<string, unknown>,
  encoding: EncodingFormat,
): EmbeddingList {
  const vectors = Array.isArray(answer.embeddings) ? (answer.embeddings as number[][]) : [];
  const prompt = typeof answer.prompt_eval_count === 'number' ? answer.prompt_eval_count : 0;
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      embedding: encoding === 'base64' ? float32Base64(vector) : vector,
      index,
    })),
    model,
    usage: { prompt_tokens: prompt, total_tokens: prompt },
  };
}

/** Little-endian float32s, base64-encoded: what OpenAI clients decode for `encoding_format: "base64"`. */
export function float32Base64(vector: readonly number[]): string {
  const buffer = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => buffer.writeFloatLE(value, i * 4));
  return buffer.toString('base64');
}
