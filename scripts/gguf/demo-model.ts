import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

import { buildDemoVocab } from './demo-vocab';
import { gguf, type GgufTensor, type GgufValue } from './gguf-types';
import { serializeGguf, type GgufFile } from './gguf-writer';

/**
 * A tiny llama-architecture model with seeded random F32 weights: it loads in llama.cpp, tokenizes,
 * applies its ChatML template and generates (nonsense) text deterministically for a given seed and sampler.
 */
export interface DemoModelOptions {
  /** Model name written to the sidecar manifest; default `gridllm-demo:tiny`. */
  readonly modelName?: string;
  readonly embeddingLength?: number;
  readonly blockCount?: number;
  readonly headCount?: number;
  readonly headCountKv?: number;
  readonly feedForwardLength?: number;
  readonly contextLength?: number;
  readonly seed?: number;
}

export const DEMO_MODEL_NAME = 'gridllm-demo:tiny';
export const DEMO_MODEL_PATH = 'data/models/gridllm-demo-tiny.gguf';

/** ChatML, as most instruct GGUFs ship it: `tokenizer.chat_template` is Jinja read by llama.cpp and node-llama-cpp. */
export const DEMO_CHAT_TEMPLATE =
  "{%- for message in messages -%}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}" +
  "{%- endfor -%}{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}";

const DEFAULTS = {
  modelName: DEMO_MODEL_NAME,
  embeddingLength: 64,
  blockCount: 2,
  headCount: 4,
  headCountKv: 4,
  feedForwardLength: 128,
  contextLength: 2048,
  seed: 42,
} satisfies Required<DemoModelOptions>;

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian samples (Box-Muller) with the given standard deviation. */
function gaussianFiller(rand: () => number): (count: number, std: number) => Float32Array {
  return (count, std) => {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - rand()));
      const theta = 2 * Math.PI * rand();
      out[i] = r * Math.cos(theta) * std;
      if (i + 1 < count) out[i + 1] = r * Math.sin(theta) * std;
    }
    return out;
  };
}

/** Builds the in-memory GGUF (metadata + tensors) of the demo model. */
export function buildDemoModel(options: DemoModelOptions = {}): GgufFile {
  const o = { ...DEFAULTS, ...options };
  if (o.embeddingLength % o.headCount !== 0 || o.headCount % o.headCountKv !== 0) {
    throw new Error('embeddingLength must divide by headCount, and headCount by headCountKv');
  }
  const vocab = buildDemoVocab();
  const nVocab = vocab.tokens.length;
  const headDim = o.embeddingLength / o.headCount;
  const kvDim = headDim * o.headCountKv;
  const fill = gaussianFiller(mulberry32(o.seed));
  const ones = (n: number): Float32Array => new Float32Array(n).fill(1);
  // ggml dims: [in, out] for a weight applied as y = W x (ne[0] is the input / row length).
  const linear = (name: string, nIn: number, nOut: number): GgufTensor => ({
    name,
    dims: [nIn, nOut],
    type: 'F32',
    data: fill(nIn * nOut, 1 / Math.sqrt(nIn)),
  });
  const norm = (name: string): GgufTensor => ({
    name,
    dims: [o.embeddingLength],
    type: 'F32',
    data: ones(o.embeddingLength),
  });

  const tensors: GgufTensor[] = [
    {
      name: 'token_embd.weight',
      dims: [o.embeddingLength, nVocab],
      type: 'F32',
      data: fill(o.embeddingLength * nVocab, 1),
    },
  ];
  for (let b = 0; b < o.blockCount; b++) {
    const p = `blk.${b}.`;
    tensors.push(
      norm(`${p}attn_norm.weight`),
      linear(`${p}attn_q.weight`, o.embeddingLength, o.embeddingLength),
      linear(`${p}attn_k.weight`, o.embeddingLength, kvDim),
      linear(`${p}attn_v.weight`, o.embeddingLength, kvDim),
      linear(`${p}attn_output.weight`, o.embeddingLength, o.embeddingLength),
      norm(`${p}ffn_norm.weight`),
      linear(`${p}ffn_gate.weight`, o.embeddingLength, o.feedForwardLength),
      linear(`${p}ffn_up.weight`, o.embeddingLength, o.feedForwardLength),
      linear(`${p}ffn_down.weight`, o.feedForwardLength, o.embeddingLength),
    );
  }
  tensors.push(norm('output_norm.weight'), linear('output.weight', o.embeddingLength, nVocab));

  const metadata: Record<string, GgufValue> = {
    'general.architecture': gguf.str('llama'),
    'general.name': gguf.str(o.modelName),
    'general.description': gguf.str('GridLLM demo model: seeded random weights, for tests only'),
    'general.file_type': gguf.u32(0), // LLAMA_FTYPE_ALL_F32
    'general.quantization_version': gguf.u32(2),
    'general.alignment': gguf.u32(32),
    'llama.context_length': gguf.u32(o.contextLength),
    'llama.embedding_length': gguf.u32(o.embeddingLength),
    'llama.block_count': gguf.u32(o.blockCount),
    'llama.feed_forward_length': gguf.u32(o.feedForwardLength),
    'llama.attention.head_count': gguf.u32(o.headCount),
    'llama.attention.head_count_kv': gguf.u32(o.headCountKv),
    'llama.rope.dimension_count': gguf.u32(headDim),
    'llama.rope.freq_base': gguf.f32(10000),
    'llama.attention.layer_norm_rms_epsilon': gguf.f32(1e-5),
    'llama.vocab_size': gguf.u32(nVocab),
    'tokenizer.ggml.model': gguf.str('llama'),
    'tokenizer.ggml.tokens': gguf.strArray(vocab.tokens),
    'tokenizer.ggml.scores': gguf.f32Array(vocab.scores),
    'tokenizer.ggml.token_type': gguf.i32Array(vocab.types),
    'tokenizer.ggml.bos_token_id': gguf.u32(vocab.bosId),
    'tokenizer.ggml.eos_token_id': gguf.u32(vocab.eosId),
    'tokenizer.ggml.unknown_token_id': gguf.u32(vocab.unkId),
    'tokenizer.ggml.padding_token_id': gguf.u32(vocab.unkId),
    'tokenizer.ggml.add_bos_token': gguf.bool(true),
    'tokenizer.ggml.add_eos_token': gguf.bool(false),
    'tokenizer.chat_template': gguf.str(DEMO_CHAT_TEMPLATE),
  };
  return { metadata, tensors };
}

export interface WrittenDemoModel {
  readonly path: string;
  readonly manifestPath: string;
  readonly modelName: string;
  readonly bytes: number;
}

/** The sidecar manifest path for a model file: `x.gguf` -> `x.json`. */
export function manifestPathFor(modelPath: string): string {
  return join(dirname(modelPath), `${basename(modelPath, extname(modelPath))}.json`);
}

/** Writes the demo GGUF to `path` (creating directories) and its `{ "name": ... }` sidecar manifest. */
export function writeDemoModel(
  path: string = DEMO_MODEL_PATH,
  options: DemoModelOptions = {},
): WrittenDemoModel {
  const modelName = options.modelName ?? DEMO_MODEL_NAME;
  const bytes = serializeGguf(buildDemoModel(options));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  const manifestPath = manifestPathFor(path);
  writeFileSync(manifestPath, `${JSON.stringify({ name: modelName }, null, 2)}\n`);
  return { path, manifestPath, modelName, bytes: bytes.length };
}
