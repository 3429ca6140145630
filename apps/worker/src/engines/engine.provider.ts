import { Logger, Provider } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { workerConfig } from '@gridllm/config';

import { INFERENCE_ENGINE, InferenceEngine } from './inference-engine';
import { LlamaCppEngine } from './llama-cpp/llama-cpp.engine';
import { OllamaEngine } from './ollama.engine';
import { OpenAiEngine } from './openai/openai.engine';

const PROBE_TIMEOUT_MS = 1500;

/**
 * Picks the engine once at boot from ENGINE: `ollama`, `llamacpp`, `openai` (the OpenAI-compatible server
 * at ENGINE_URL), or `auto` (the Ollama at OLLAMA_URL when it answers, otherwise the embedded llama.cpp
 * engine over MODELS_DIR).
 */
export const engineProvider: Provider = {
  provide: INFERENCE_ENGINE,
  inject: [workerConfig.KEY, OllamaEngine, LlamaCppEngine, OpenAiEngine],
  useFactory: async (
    settings: ConfigType<typeof workerConfig>,
    ollama: OllamaEngine,
    llama: LlamaCppEngine,
    openai: OpenAiEngine,
  ): Promise<InferenceEngine> => {
    const logger = new Logger('EngineSelection');
    if (settings.engine === 'ollama') return ollama;
    if (settings.engine === 'openai') return openai;
    if (settings.engine === 'llamacpp') return llama;
    const answered = await Promise.race([
      ollama.version().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), PROBE_TIMEOUT_MS).unref()),
    ]);
    logger.log(
      answered
        ? `ENGINE=auto: Ollama answers at ${settings.ollamaUrl}, using it`
        : `ENGINE=auto: no Ollama at ${settings.ollamaUrl}, using the embedded llama.cpp engine (${settings.llama.modelsDir})`,
    );
    return answered ? ollama : llama;
  },
};
