import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { buildDemoModel, DEMO_MODEL_NAME, writeDemoModel } from '../../scripts/gguf/demo-model';
import { TOKEN_TYPE } from '../../scripts/gguf/demo-vocab';
import { parseGguf, readF32Tensor, type ParsedGguf } from '../../scripts/gguf/gguf-reader';
import { gguf, type GgufValue } from '../../scripts/gguf/gguf-types';
import { serializeGguf } from '../../scripts/gguf/gguf-writer';

function scalar(parsed: ParsedGguf, key: string): unknown {
  const value = parsed.metadata.get(key);
  if (value === undefined) throw new Error(`missing ${key}`);
  return value.type === 'array' ? value.values : value.value;
}

function strings(parsed: ParsedGguf, key: string): readonly string[] {
  const value = parsed.metadata.get(key);
  if (value?.type !== 'array' || value.itemType !== 'str') throw new Error(`${key} is not a string array`);
  return value.values;
}

function numbers(parsed: ParsedGguf, key: string): readonly number[] {
  const value = parsed.metadata.get(key);
  if (value?.type !== 'array' || (value.itemType !== 'i32' && value.itemType !== 'f32')) {
    throw new Error(`${key} is not a number array`);
  }
  return value.values;
}

describe('GGUF writer', () => {
  it('round-trips every metadata value type', () => {
    const metadata: Record<string, GgufValue> = {
      u8: { type: 'u8', value: 255 },
      i8: { type: 'i8', value: -128 },
      u16: { type: 'u16', value: 65535 },
      i16: { type: 'i16', value: -32768 },
      u32: gguf.u32(4294967295),
      i32: gguf.i32(-2147483648),
      f32: gguf.f32(0.5),
      f64: { type: 'f64', value: Math.PI },
      u64: gguf.u64(2n ** 63n),
      i64: { type: 'i64', value: -(2n ** 62n) },
      bool: gguf.bool(true),
      str: gguf.str('héllo ▁wörld'),
      strs: gguf.strArray(['a', '', '<0x0A>']),
      f32s: gguf.f32Array([1.5, -2.25]),
      i32s: gguf.i32Array([-1, 0, 7]),
      u64s: { type: 'array', itemType: 'u64', values: [0n, 1n << 40n] },
      bools: { type: 'array', itemType: 'bool', values: [true, false] },
    };
    const parsed = parseGguf(serializeGguf({ metadata, tensors: [] }));

    expect(parsed.version).toBe(3);
    expect(parsed.tensors).toEqual([]);
    expect(Object.fromEntries(parsed.metadata)).toEqual(metadata);
  });

  it('aligns tensor data and keeps tensor values', () => {
    const a = new Float32Array([1, 2, 3]); // 12 bytes: the next tensor must start at 32
    const b = new Float32Array([4, 5, 6, 7, 8, 9]);
    const buf = serializeGguf({
      metadata: { 'general.alignment': gguf.u32(32) },
      tensors: [
        { name: 'a', dims: [3], type: 'F32', data: a },
        { name: 'b', dims: [3, 2], type: 'F32', data: b },
      ],
    });
    const parsed = parseGguf(buf);

    expect(parsed.tensors.map((t) => [t.name, t.dims, t.type, t.offset])).toEqual([
      ['a', [3], 0, 0],
      ['b', [3, 2], 0, 32],
    ]);
    expect(parsed.dataOffset % 32).toBe(0);
    expect(buf.length).toBe(parsed.dataOffset + 64);
    expect(Array.from(readF32Tensor(buf, parsed, 'b'))).toEqual(Array.from(b));
  });

  it('rejects a tensor whose data does not match its dims', () => {
    const tensors = [{ name: 'x', dims: [2, 2], type: 'F32' as const, data: new Float32Array(3) }];
    expect(() => serializeGguf({ metadata: {}, tensors })).toThrow(/need 4 values, got 3/);
  });
});

describe('demo model', () => {
  let dir: string;
  let path: string;
  let buf: Buffer;
  let parsed: ParsedGguf;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'demo-model-'));
    path = join(dir, 'gridllm-demo-tiny.gguf');
    writeDemoModel(path);
    buf = readFileSync(path);
    parsed = parseGguf(buf);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a sidecar manifest naming the model', () => {
    expect(JSON.parse(readFileSync(join(dir, 'gridllm-demo-tiny.json'), 'utf8'))).toEqual({
      name: DEMO_MODEL_NAME,
    });
    expect(DEMO_MODEL_NAME).toBe('gridllm-demo:tiny');
  });

  it('is a small GGUF v3 llama model with the expected hyperparameters', () => {
    expect(buf.subarray(0, 4).toString('ascii')).toBe('GGUF');
    expect(parsed.version).toBe(3);
    expect(statSync(path).size).toBeLessThan(1024 * 1024);
    expect({
      arch: scalar(parsed, 'general.architecture'),
      fileType: scalar(parsed, 'general.file_type'),
      alignment: scalar(parsed, 'general.alignment'),
      ctx: scalar(parsed, 'llama.context_length'),
      embd: scalar(parsed, 'llama.embedding_length'),
      blocks: scalar(parsed, 'llama.block_count'),
      ff: scalar(parsed, 'llama.feed_forward_length'),
      heads: scalar(parsed, 'llama.attention.head_count'),
      headsKv: scalar(parsed, 'llama.attention.head_count_kv'),
      rope: scalar(parsed, 'llama.rope.dimension_count'),
      eps: scalar(parsed, 'llama.attention.layer_norm_rms_epsilon'),
    }).toEqual({
      arch: 'llama',
      fileType: 0,
      alignment: 32,
      ctx: 2048,
      embd: 64,
      blocks: 2,
      ff: 128,
      heads: 4,
      headsKv: 4,
      rope: 16,
      eps: Math.fround(1e-5),
    });
  });

  it('has a SentencePiece vocabulary with byte fallback, special ids and a chat template', () => {
    const tokens = strings(parsed, 'tokenizer.ggml.tokens');
    const types = numbers(parsed, 'tokenizer.ggml.token_type');
    expect(scalar(parsed, 'tokenizer.ggml.model')).toBe('llama');
    expect(numbers(parsed, 'tokenizer.ggml.scores')).toHaveLength(tokens.length);
    expect(types).toHaveLength(tokens.length);
    expect(scalar(parsed, 'llama.vocab_size')).toBe(tokens.length);
    expect(new Set(tokens).size).toBe(tokens.length);

    expect(tokens[scalar(parsed, 'tokenizer.ggml.unknown_token_id') as number]).toBe('<unk>');
    expect(tokens[scalar(parsed, 'tokenizer.ggml.bos_token_id') as number]).toBe('<s>');
    expect(tokens[scalar(parsed, 'tokenizer.ggml.eos_token_id') as number]).toBe('</s>');
    for (const byte of [0x00, 0x0a, 0xff]) {
      const id = tokens.indexOf(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
      expect(types[id]).toBe(TOKEN_TYPE.byte);
    }
    expect(types.filter((t) => t === TOKEN_TYPE.byte)).toHaveLength(256);
    expect(tokens).toEqual(expect.arrayContaining(['▁the', '▁Hello', 'a', '<|im_start|>', '<|im_end|>']));
    expect(scalar(parsed, 'tokenizer.chat_template')).toContain("'<|im_start|>' + message['role']");
  });

  it('has the tensors llama.cpp expects, in ggml dim order, aligned', () => {
    const nVocab = strings(parsed, 'tokenizer.ggml.tokens').length;
    const dims = Object.fromEntries(parsed.tensors.map((t) => [t.name, t.dims]));
    expect(parsed.tensors).toHaveLength(3 + 2 * 9);
    expect(dims).toMatchObject({
      'token_embd.weight': [64, nVocab],
      'output_norm.weight': [64],
      'output.weight': [64, nVocab],
      'blk.1.attn_norm.weight': [64],
      'blk.1.attn_q.weight': [64, 64],
      'blk.1.attn_k.weight': [64, 64],
      'blk.1.attn_v.weight': [64, 64],
      'blk.1.attn_output.weight': [64, 64],
      'blk.1.ffn_norm.weight': [64],
      'blk.1.ffn_gate.weight': [64, 128],
      'blk.1.ffn_up.weight': [64, 128],
      'blk.1.ffn_down.weight': [128, 64],
    });
    expect(parsed.tensors.every((t) => t.type === 0 && t.offset % 32 === 0)).toBe(true);
    expect(Array.from(new Set(readF32Tensor(buf, parsed, 'output_norm.weight')))).toEqual([1]);
    const embd = buildDemoModel().tensors.find((t) => t.name === 'token_embd.weight');
    const read = readF32Tensor(buf, parsed, 'token_embd.weight');
    expect(embd && Buffer.from(read.buffer).equals(Buffer.from(embd.data.buffer))).toBe(true);
  });

  it('is deterministic for a seed and changes with it', () => {
    const again = serializeGguf(buildDemoModel());
    expect(again.equals(buf)).toBe(true);
    expect(serializeGguf(buildDemoModel({ seed: 7 })).equals(buf)).toBe(false);
  });

  // node-llama-cpp is ESM with top-level await: Jest's CommonJS runtime can neither require() nor import() it
  // (without --experimental-vm-modules), so the real GGUF parser and llama.cpp run in a plain Node child.
  // The child is a .mjs file, not `--input-type=module -e`: getLlama() forks a binary-test process that
  // inherits execArgv, and `--input-type` breaks that fork.
  it('loads and generates in llama.cpp via node-llama-cpp', async () => {
    const script = join(dir, 'load-demo-model.mjs');
    writeFileSync(
      script,
      `const [entry, path] = process.argv.slice(2);
      const { readGgufFileInfo, getLlama, LlamaCompletion } = await import(entry);
      const info = await readGgufFileInfo(path, { logWarnings: false });
      const llama = await getLlama({ gpu: false, build: 'never' });
      const model = await llama.loadModel({ modelPath: path });
      const context = await model.createContext({ contextSize: 256, threads: 1 });
      const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
      const res = await completion.generateCompletionWithMeta('The', { maxTokens: 4, temperature: 0 });
      console.log(JSON.stringify({
        architecture: info.metadata.general.architecture,
        contextLength: info.architectureMetadata.context_length,
        tensorCount: Number(info.tensorCount),
        trainContextSize: model.trainContextSize,
        vocabularyType: model.vocabularyType,
        stopReason: res.metadata.stopReason,
      }));
      await llama.dispose();
      `,
    );
    const entry = pathToFileURL(require.resolve('node-llama-cpp')).href;
    const { stdout } = await promisify(execFile)(process.execPath, [script, entry, path], {
      timeout: 60_000,
    });
    const result: unknown = JSON.parse(stdout.trim().split('\n').pop() ?? '');
    expect(result).toEqual({
      architecture: 'llama',
      contextLength: 2048,
      tensorCount: 21,
      trainContextSize: 2048,
      vocabularyType: 'spm',
      stopReason: expect.stringMatching(/^(maxTokens|eogToken)$/),
    });
  }, 60_000);
});
