import {
  GGML_TYPE_IDS,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VALUE_TYPE_IDS,
  type GgufArray,
  type GgufValue,
  type GgufValueTypeName,
} from './gguf-types';

export interface GgufTensorInfo {
  readonly name: string;
  readonly dims: readonly number[];
  /** ggml type id (0 = F32, 1 = F16, ...). */
  readonly type: number;
  /** Offset relative to the start of the tensor data section. */
  readonly offset: number;
}

export interface ParsedGguf {
  readonly version: number;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensors: readonly GgufTensorInfo[];
  /** Absolute file offset of the tensor data section. */
  readonly dataOffset: number;
  readonly alignment: number;
}

const TYPE_NAMES = new Map<number, GgufValueTypeName>(
  Object.entries(GGUF_VALUE_TYPE_IDS).map(([name, id]) => [id, name as GgufValueTypeName]),
);

class ByteCursor {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  private take(n: number): number {
    if (this.pos + n > this.buf.length) throw new Error(`GGUF truncated at byte ${this.pos} (+${n})`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8 = (): number => this.buf.readUInt8(this.take(1));
  i8 = (): number => this.buf.readInt8(this.take(1));
  u16 = (): number => this.buf.readUInt16LE(this.take(2));
  i16 = (): number => this.buf.readInt16LE(this.take(2));
  u32 = (): number => this.buf.readUInt32LE(this.take(4));
  i32 = (): number => this.buf.readInt32LE(this.take(4));
  f32 = (): number => this.buf.readFloatLE(this.take(4));
  f64 = (): number => this.buf.readDoubleLE(this.take(8));
  u64 = (): bigint => this.buf.readBigUInt64LE(this.take(8));
  i64 = (): bigint => this.buf.readBigInt64LE(this.take(8));
  /** u64 that must fit a JS number (counts, lengths, dims, offsets). */
  size = (): number => {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`GGUF size ${v} too large`);
    return Number(v);
  };
  string = (): string => {
    const len = this.size();
    const at = this.take(len);
    return this.buf.toString('utf8', at, at + len);
  };
}

function typeName(id: number): GgufValueTypeName {
  const name = TYPE_NAMES.get(id);
  if (name === undefined) throw new Error(`unknown GGUF value type ${id}`);
  return name;
}

function readArray(c: ByteCursor): GgufArray {
  const itemType = typeName(c.u32());
  const n = c.size();
  const times = <T>(read: () => T): T[] => Array.from({ length: n }, read);
  switch (itemType) {
    case 'array':
      throw new Error('nested GGUF arrays are not supported');
    case 'str':
      return { type: 'array', itemType, values: times(c.string) };
    case 'bool':
      return { type: 'array', itemType, values: times(() => c.u8() !== 0) };
    case 'u64':
      return { type: 'array', itemType, values: times(c.u64) };
    case 'i64':
      return { type: 'array', itemType, values: times(c.i64) };
    default:
      return { type: 'array', itemType, values: times(c[itemType]) };
  }
}

function readValue(c: ByteCursor, type: GgufValueTypeName): GgufValue {
  switch (type) {
    case 'array':
      return readArray(c);
    case 'str':
      return { type, value: c.string() };
    case 'bool':
      return { type, value: c.u8() !== 0 };
    case 'u64':
      return { type, value: c.u64() };
    case 'i64':
      return { type, value: c.i64() };
    default:
      return { type, value: c[type]() };
  }
}

/** Parses the header, metadata and tensor infos of a GGUF v2/v3 file held in memory. */
export function parseGguf(buf: Buffer): ParsedGguf {
  const c = new ByteCursor(buf);
  if (buf.toString('ascii', 0, 4) !== GGUF_MAGIC) throw new Error('not a GGUF file (bad magic)');
  c.pos = 4;
  const version = c.u32();
  if (version < 2) throw new Error(`GGUF version ${version} is not supported`);
  const tensorCount = c.size();
  const kvCount = c.size();

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.string();
    metadata.set(key, readValue(c, typeName(c.u32())));
  }

  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = c.string();
    const nDims = c.u32();
    const dims = Array.from({ length: nDims }, c.size);
    tensors.push({ name, dims, type: c.u32(), offset: c.size() });
  }

  const alignValue = metadata.get('general.alignment');
  const alignment = alignValue?.type === 'u32' ? alignValue.value : GGUF_DEFAULT_ALIGNMENT;
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  return { version, metadata, tensors, dataOffset, alignment };
}

/** Reads an F32 tensor's values out of a parsed file's buffer. */
export function readF32Tensor(buf: Buffer, parsed: ParsedGguf, name: string): Float32Array {
  const info = parsed.tensors.find((t) => t.name === name);
  if (info === undefined) throw new Error(`no tensor ${name}`);
  if (info.type !== GGML_TYPE_IDS.F32) throw new Error(`tensor ${name} is not F32`);
  const count = info.dims.reduce((a, b) => a * b, 1);
  const start = parsed.dataOffset + info.offset;
  if (start + count * 4 > buf.length) throw new Error(`tensor ${name} runs past the end of the file`);
  return Float32Array.from({ length: count }, (_, i) => buf.readFloatLE(start + i * 4));
}
