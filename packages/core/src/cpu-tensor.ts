// A CPU-resident Tensor and the factory functions that make one.
import { ArgumentError } from './errors.js';
import { DTYPE_BYTES, allocate, numel, type DType, type DataTypeMap } from './dtype.js';
import type { Tensor } from './tensor.js';

class CpuTensor<D extends DType> implements Tensor<D> {
  readonly location = 'cpu' as const;
  constructor(readonly dtype: D, readonly data: DataTypeMap[D], readonly dims: readonly number[]) {}
  read(): Promise<DataTypeMap[D]> { return Promise.resolve(this.data); }
  dispose(): void {}
}

/** Wraps `data` (not copied) as a tensor of `dims`; the element count must match. */
export function tensor<D extends DType>(dtype: D, data: DataTypeMap[D], dims: readonly number[]): Tensor<D> {
  if (!(dtype in DTYPE_BYTES)) throw new ArgumentError('dtype', `unknown dtype "${dtype}"; expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new ArgumentError('dims', `[${dims.join(', ')}] has an entry that is not a non-negative integer`);
  }
  if (data.length !== numel(dims)) {
    throw new ArgumentError('data', `has ${data.length} elements but dims [${dims.join(', ')}] need ${numel(dims)}`);
  }
  return new CpuTensor(dtype, data, Object.freeze([...dims]));
}

export function zeros<D extends DType>(dtype: D, dims: readonly number[]): Tensor<D> {
  return tensor(dtype, allocate(dtype, numel(dims)), dims);
}

/** A float32 tensor from a plain array or Float32Array. */
export function float32(data: ArrayLike<number>, dims: readonly number[]): Tensor<'float32'> {
  return tensor('float32', data instanceof Float32Array ? data : Float32Array.from(data), dims);
}

/** An int64 tensor from numbers. */
export function int64(data: ArrayLike<number | bigint>, dims: readonly number[]): Tensor<'int64'> {
  const out = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = BigInt(data[i]);
  return tensor('int64', out, dims);
}
