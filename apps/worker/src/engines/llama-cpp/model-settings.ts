import type { ModelSettings } from './gguf-catalog';

/**
 * A request as Ollama runs it for a model created with settings: the model's `system` unless the
 * request brings its own, its `messages` before the chat's, and its `parameters` as default `options`.
 */
export function withModelSettings(
  kind: 'generate' | 'chat',
  request: Record<string, unknown>,
  settings: ModelSettings | undefined,
): Record<string, unknown> {
  if (!settings) return request;
  const options = { ...settings.parameters, ...asRecord(request.options) };
  const applied: Record<string, unknown> = { ...request, options };
  if (kind === 'generate') {
    if (typeof request.system !== 'string' && settings.system) applied.system = settings.system;
    return applied;
  }
  const messages = Array.isArray(request.messages)
    ? (request.messages as Array<Record<string, unknown>>)
    : [];
  const hasSystem = messages.some((message) => message.role === 'system');
  applied.messages = [
    ...(settings.system && !hasSystem ? [{ role: 'system', content: settings.system }] : []),
    ...(settings.messages ?? []),
    ...messages,
  ];
  return applied;
}

/** The settings an `/api/create` request gives a model. */
export function settingsFrom(request: Record<string, unknown>): ModelSettings {
  const settings: ModelSettings = {};
  if (typeof request.system === 'string' && request.system) settings.system = request.system;
  if (typeof request.template === 'string' && request.template) settings.template = request.template;
  if (typeof request.license === 'string' || Array.isArray(request.license))
    settings.license = request.license as string | string[];
  const parameters = asRecord(request.parameters);
  if (Object.keys(parameters).length > 0) settings.parameters = parameters;
  if (Array.isArray(request.messages) && request.messages.length > 0)
    settings.messages = request.messages as Array<Record<string, unknown>>;
  return settings;
}

/** Base settings overridden field by field (parameters key by key), as Ollama layers a model `from` another. */
export function mergeSettings(base: ModelSettings, over: ModelSettings): ModelSettings {
  const merged: ModelSettings = { ...base, ...over };
  if (base.parameters || over.parameters) merged.parameters = { ...base.parameters, ...over.parameters };
  return merged;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
