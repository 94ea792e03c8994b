// Element types shared by tensors, safetensors files and ONNX graphs.

export type DType = 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

/** The typed array that holds each dtype's elements. fp16/bf16 are raw bits in a Uint16Array. */
export interface DataTypeMap {
  float32: Float32Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}
export type TypedData = DataTypeMap[DType];

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1,
};

export const DTYPES: readonly DType[] = Object.keys(DTYPE_BYTES) as DType[];

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && x in DTYPE_BYTES;
}

/** Views `bytes` (copied if misaligned) as the typed array of `dtype`. */
export function viewAs<D extends DType>(dtype: D, bytes: Uint8Array): DataTypeMap[D] {
  const size = DTYPE_BYTES[dtype];
  let buf = bytes;
  if (bytes.byteOffset % size !== 0) buf = bytes.slice();
  const n = buf.byteLength / size;
  switch (dtype) {
    case 'float32': return new Float32Array(buf.buffer, buf.byteOffset, n) as DataTypeMap[D];
    case 'float16': case 'bfloat16': return new Uint16Array(buf.buffer, buf.byteOffset, n) as DataTypeMap[D];
    case 'int64': return new BigInt64Array(buf.buffer, buf.byteOffset, n) as DataTypeMap[D];
    case 'int32': return new Int32Array(buf.buffer, buf.byteOffset, n) as DataTypeMap[D];
    case 'int8': return new Int8Array(buf.buffer, buf.byteOffset, n) as DataTypeMap[D];
    default: return new Uint8Array(buf.buffer, buf.byteOffset, n) as DataTypeMap[D];
  }
}

/** Allocates a zeroed typed array of `n` elements of `dtype`. */
export function allocate<D extends DType>(dtype: D, n: number): DataTypeMap[D] {
  return viewAs(dtype, new Uint8Array(n * DTYPE_BYTES[dtype]));
}

export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}
