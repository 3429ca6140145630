import {
  GGML_TYPE_IDS,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VALUE_TYPE_IDS,
  GGUF_VERSION,
  type GgufNumberType,
  type GgufTensor,
  type GgufValue,
  type GgufValueTypeName,
} from './gguf-types';

export interface GgufFile {
  /** Written in insertion order. `general.alignment` (u32), when present, sets the data alignment. */
  readonly metadata: Readonly<Record<string, GgufValue>>;
  readonly tensors: readonly GgufTensor[];
}

/** Appends little-endian values to a list of chunks; `length` is the running byte count. */
class ByteSink {
  private readonly chunks: Buffer[] = [];
  length = 0;

  bytes(buf: Buffer): void {
    this.chunks.push(buf);
    this.length += buf.length;
  }

  number(type: GgufNumberType, value: number): void {
    const size = NUMBER_SIZES[type];
    const buf = Buffer.alloc(size);
    switch (type) {
      case 'u8':
        buf.writeUInt8(value);
        break;
      case 'i8':
        buf.writeInt8(value);
        break;
      case 'u16':
        buf.writeUInt16LE(value);
        break;
      case 'i16':
        buf.writeInt16LE(value);
        break;
      case 'u32':
        buf.writeUInt32LE(value);
        break;
      case 'i32':
        buf.writeInt32LE(value);
        break;
      case 'f32':
        buf.writeFloatLE(value);
        break;
      case 'f64':
        buf.writeDoubleLE(value);
        break;
    }
    this.bytes(buf);
  }

  u64(value: bigint | number): void {
    const buf = Buffer.alloc(8);
    buf.writeBigUInt64LE(BigInt(value));
    this.bytes(buf);
  }

  i64(value: bigint): void {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(value);
    this.bytes(buf);
  }

  string(value: string): void {
    const utf8 = Buffer.from(value, 'utf8');
    this.u64(utf8.length);
    this.bytes(utf8);
  }

  padTo(alignment: number): void {
    const rem = this.length % alignment;
    if (rem !== 0) this.bytes(Buffer.alloc(alignment - rem));
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

const NUMBER_SIZES: Record<GgufNumberType, number> = {
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  f32: 4,
  f64: 8,
};

function typeId(type: GgufValueTypeName): number {
  return GGUF_VALUE_TYPE_IDS[type];
}

function writeValue(sink: ByteSink, value: GgufValue): void {
  switch (value.type) {
    case 'u64':
      return sink.u64(value.value);
    case 'i64':
      return sink.i64(value.value);
    case 'bool':
      return sink.number('u8', value.value ? 1 : 0);
    case 'str':
      return sink.string(value.value);
    case 'array':
      return writeArray(sink, value);
    default:
      return sink.number(value.type, value.value);
  }
}

function writeArray(sink: ByteSink, value: Extract<GgufValue, { type: 'array' }>): void {
  sink.number('u32', typeId(value.itemType));
  sink.u64(value.values.length);
  switch (value.itemType) {
    case 'str':
      value.values.forEach((v) => sink.string(v));
      return;
    case 'bool':
      value.values.forEach((v) => sink.number('u8', v ? 1 : 0));
      return;
    case 'u64':
      value.values.forEach((v) => sink.u64(v));
      return;
    case 'i64':
      value.values.forEach((v) => sink.i64(v));
      return;
    default: {
      const itemType = value.itemType;
      value.values.forEach((v) => sink.number(itemType, v));
    }
  }
}

function tensorByteLength(tensor: GgufTensor): number {
  const elements = tensor.dims.reduce((a, b) => a * b, 1);
  if (elements !== tensor.data.length) {
    throw new Error(
      `tensor ${tensor.name}: dims [${tensor.dims.join(', ')}] need ${elements} values, got ${tensor.data.length}`,
    );
  }
  return tensor.data.byteLength;
}

function alignmentOf(file: GgufFile): number {
  const value = file.metadata['general.alignment'];
  if (value === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (value.type !== 'u32' || value.value <= 0 || value.value % 8 !== 0) {
    throw new Error('general.alignment must be a u32 multiple of 8');
  }
  return value.value;
}

/** Serialises a GGUF v3 file: header, metadata, tensor infos, padding, then each tensor's data aligned. */
export function serializeGguf(file: GgufFile): Buffer {
  const alignment = alignmentOf(file);
  const sink = new ByteSink();
  const entries = Object.entries(file.metadata);

  sink.bytes(Buffer.from(GGUF_MAGIC, 'ascii'));
  sink.number('u32', GGUF_VERSION);
  sink.u64(file.tensors.length);
  sink.u64(entries.length);

  for (const [key, value] of entries) {
    sink.string(key);
    sink.number('u32', typeId(value.type));
    writeValue(sink, value);
  }

  let offset = 0;
  for (const tensor of file.tensors) {
    sink.string(tensor.name);
    sink.number('u32', tensor.dims.length);
    tensor.dims.forEach((d) => sink.u64(d));
    sink.number('u32', GGML_TYPE_IDS[tensor.type]);
    sink.u64(offset);
    offset += Math.ceil(tensorByteLength(tensor) / alignment) * alignment;
  }

  sink.padTo(alignment);
  for (const tensor of file.tensors) {
    const data = tensor.data;
    // Float32Array bytes are in host order; GGUF is little-endian, as is every host Node runs on here.
    sink.bytes(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    sink.padTo(alignment);
  }
  return sink.toBuffer();
}
