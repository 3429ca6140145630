import { Injectable } from '@nestjs/common';

import { LlamaRuntime } from './llama-runtime';

/** What the catalog needs from a GGUF header, in the words Ollama's /api/tags and /api/show use. */
export interface GgufMetadata {
  architecture: string;
  parameterCount: number;
  parameterSize: string;
  quantizationLevel: string;
  contextLength: number | undefined;
  embeddingLength: number | undefined;
  chatTemplate: string | undefined;
  /** Scalar `general.*` and `<architecture>.*` keys, as /api/show's `model_info`. */
  modelInfo: Record<string, unknown>;
}

/** Token lists and merges are huge and not needed to describe a model. */
const IGNORED_KEYS = [
  'tokenizer.ggml.tokens',
  'tokenizer.ggml.scores',
  'tokenizer.ggml.token_type',
  'tokenizer.ggml.merges',
];

/** Reads GGUF headers with node-llama-cpp's reader (it handles every GGUF version and split files). */
@Injectable()
export class GgufMetadataReader {
  constructor(private readonly runtime: LlamaRuntime) {}

  async read(path: string): Promise<GgufMetadata> {
    const lib = await this.runtime.lib();
    const info = await lib.readGgufFileInfo(path, { logWarnings: false, ignoreKeys: IGNORED_KEYS });
    const insights = await lib.GgufInsights.from(info);
    const general = info.metadata.general as Record<string, unknown>;
    const architecture = typeof general.architecture === 'string' ? general.architecture : 'unknown';
    const arch = (info.architectureMetadata ?? {}) as Record<string, unknown>;
    const fileType = typeof general.file_type === 'number' ? lib.GgufFileType[general.file_type] : undefined;
    const tokenizer = (info.metadata as { tokenizer?: { chat_template?: unknown } }).tokenizer;
    return {
      architecture,
      parameterCount: insights.totalParameters,
      parameterSize: humanParameterCount(insights.totalParameters),
      quantizationLevel: quantizationName(fileType),
      contextLength: numberOrUndefined(arch.context_length),
      embeddingLength: numberOrUndefined(arch.embedding_length),
      chatTemplate: typeof tokenizer?.chat_template === 'string' ? tokenizer.chat_template : undefined,
      modelInfo: {
        ...prefixed('general', general),
        'general.parameter_count': insights.totalParameters,
        ...prefixed(architecture, arch),
      },
    };
  }
}

/** Ollama's style: 3.2B, 494.03M, 147.01K. */
export function humanParameterCount(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(1)}B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(2)}M`;
  return `${(count / 1e3).toFixed(2)}K`;
}

/** GgufFileType names (`MOSTLY_Q4_K_M`, `ALL_F32`) in Ollama's words (`Q4_K_M`, `F32`). */
export function quantizationName(fileType: string | undefined): string {
  return (fileType ?? 'unknown').replace(/^(MOSTLY|ALL)_/, '');
}

function prefixed(prefix: string, values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value))
      .map(([key, value]) => [`${prefix}.${key}`, value]),
  );
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
