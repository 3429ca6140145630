/** Ollama's defaults (api.DefaultOptions) where node-llama-cpp's differ (it defaults to greedy sampling). */
const OLLAMA_DEFAULTS = {
  temperature: 0.8,
  topK: 40,
  topP: 0.9,
  minP: 0,
  repeatPenalty: 1.1,
  repeatLastN: 64,
};

/** The sampling and stopping options node-llama-cpp takes, from Ollama's `options`. */
export interface SamplingOptions {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  seed?: number;
  maxTokens?: number;
  customStopTriggers?: string[];
  repeatPenalty:
    false | { penalty: number; lastTokens: number; frequencyPenalty?: number; presencePenalty?: number };
}

/** Maps Ollama's options (temperature, top_p, top_k, min_p, seed, num_predict, stop, repeat_*) one to one. */
export function samplingOptions(options: unknown): SamplingOptions {
  const o = (options && typeof options === 'object' ? options : {}) as Record<string, unknown>;
  const numPredict = num(o.num_predict);
  const stop = Array.isArray(o.stop)
    ? o.stop.filter((s): s is string => typeof s === 'string' && s.length > 0)
    : [];
  const penalty = num(o.repeat_penalty) ?? OLLAMA_DEFAULTS.repeatPenalty;
  const frequencyPenalty = num(o.frequency_penalty);
  const presencePenalty = num(o.presence_penalty);
  const noPenalty = penalty === 1 && !frequencyPenalty && !presencePenalty;
  return {
    temperature: num(o.temperature) ?? OLLAMA_DEFAULTS.temperature,
    topK: num(o.top_k) ?? OLLAMA_DEFAULTS.topK,
    topP: num(o.top_p) ?? OLLAMA_DEFAULTS.topP,
    minP: num(o.min_p) ?? OLLAMA_DEFAULTS.minP,
    seed: num(o.seed),
    // num_predict -1 (the default) and -2 mean "until the model stops or the context is full".
    maxTokens: numPredict !== undefined && numPredict > 0 ? Math.floor(numPredict) : undefined,
    customStopTriggers: stop.length > 0 ? stop : undefined,
    repeatPenalty: noPenalty
      ? false
      : {
          penalty,
          lastTokens: num(o.repeat_last_n) ?? OLLAMA_DEFAULTS.repeatLastN,
          frequencyPenalty,
          presencePenalty,
        },
  };
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
