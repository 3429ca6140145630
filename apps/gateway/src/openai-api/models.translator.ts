import { OllamaModel, sameModel } from '@gridllm/contracts';

import { unixSeconds } from './chat-response.translator';
import { OpenAiModel, OpenAiModelList } from './openai-wire';

/**
 * The namespace part of an Ollama model name (Ollama's `model.ParseName(...).Namespace`):
 * `library` for `llama3.2:latest`, `user` for `user/model:tag` and `host/user/model:tag`.
 */
export function ownedBy(name: string): string {
  const slash = name.lastIndexOf('/');
  if (slash < 0) return 'library';
  const segments = name.slice(0, slash).split('/');
  return segments[segments.length - 1] || 'library';
}

/** One fleet model as an OpenAI model; `id` is the name the client used when it asked for one model. */
export function toOpenAiModel(model: OllamaModel, id = model.model || model.name): OpenAiModel {
  return { id, object: 'model', created: unixSeconds(model.modified_at), owned_by: ownedBy(id) };
}

/** `GET /v1/models`: every fleet model (an empty fleet lists `[]`, where Ollama would send `null`). */
export function toModelList(models: readonly OllamaModel[]): OpenAiModelList {
  return { object: 'list', data: models.map((model) => toOpenAiModel(model)) };
}

/** The fleet model a client's id names (`llama3.2` finds `llama3.2:latest`); undefined when none. */
export function findModel(models: readonly OllamaModel[], id: string): OllamaModel | undefined {
  return models.find((model) => sameModel(model.name, id) || sameModel(model.model || model.name, id));
}
