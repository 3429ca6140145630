/**
 * GGUF v3 value and tensor types shared by the writer and the reader.
 * Reference: ggml's docs/gguf.md. Everything is little-endian; strings are a uint64 byte length + UTF-8.
 */

export const GGUF_MAGIC = 'GGUF';
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** On-disk ids of metadata value types (`gguf_metadata_value_type`). */
export const GGUF_VALUE_TYPE_IDS = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  str: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;

export type GgufValueTypeName = keyof typeof GGUF_VALUE_TYPE_IDS;
export type GgufNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
export type GgufBigIntType = 'u64' | 'i64';

export type GgufScalar =
  | { readonly type: GgufNumberType; readonly value: number }
  | { readonly type: GgufBigIntType; readonly value: bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'str'; readonly value: string };

/** Arrays of arrays are legal GGUF but unused by llama.cpp models, so they are not modelled here. */
export type GgufArray =
  | { readonly type: 'array'; readonly itemType: GgufNumberType; readonly values: readonly number[] }
  | { readonly type: 'array'; readonly itemType: GgufBigIntType; readonly values: readonly bigint[] }
  | { readonly type: 'array'; readonly itemType: 'bool'; readonly values: readonly boolean[] }
  | { readonly type: 'array'; readonly itemType: 'str'; readonly values: readonly string[] };

export type GgufValue = GgufScalar | GgufArray;

/** ggml tensor types this module can write (ids from `enum ggml_type`). Only F32 is needed for the demo. */
export const GGML_TYPE_IDS = { F32: 0, F16: 1 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPE_IDS;

export interface GgufTensor {
  readonly name: string;
  /** ggml `ne` order: dims[0] is the fastest-varying (row length). */
  readonly dims: readonly number[];
  readonly type: 'F32';
  readonly data: Float32Array;
}

/** Small constructors so metadata reads like `{ 'llama.block_count': gguf.u32(2) }`. */
export const gguf = {
  u32: (value: number): GgufScalar => ({ type: 'u32', value }),
  i32: (value: number): GgufScalar => ({ type: 'i32', value }),
  f32: (value: number): GgufScalar => ({ type: 'f32', value }),
  u64: (value: bigint): GgufScalar => ({ type: 'u64', value }),
  bool: (value: boolean): GgufScalar => ({ type: 'bool', value }),
  str: (value: string): GgufScalar => ({ type: 'str', value }),
  strArray: (values: readonly string[]): GgufArray => ({ type: 'array', itemType: 'str', values }),
  f32Array: (values: readonly number[]): GgufArray => ({ type: 'array', itemType: 'f32', values }),
  i32Array: (values: readonly number[]): GgufArray => ({ type: 'array', itemType: 'i32', values }),
};
