// The Tensor contract every sana-ts component speaks (interface only; see cpu-tensor.ts for the CPU one).
import type { DType, DataTypeMap } from './dtype.js';

export type TensorLocation = 'cpu' | 'gpu-buffer';

/**
 * A dense n-d array. On the CPU `data` is the typed array; on a GPU it throws and `read()` copies back.
 * @example
 * const t = tensor('float32', new Float32Array([1, 2, 3, 4]), [2, 2]);
 * const values = await t.read(); // Float32Array [1, 2, 3, 4]
 */
export interface Tensor<D extends DType = DType> {
  readonly dims: readonly number[];
  readonly dtype: D;
  readonly location: TensorLocation;
  /** The elements, row-major. Only for `location === 'cpu'`. */
  readonly data: DataTypeMap[D];
  /** The elements on the CPU, wherever the tensor lives. */
  read(): Promise<DataTypeMap[D]>;
  /** Frees device memory (a no-op on the CPU). The tensor is unusable afterwards. */
  dispose(): void;
}
