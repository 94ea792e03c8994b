// Batch arithmetic on CPU tensors: concatenation (CFG), per-prompt repetition, splitting.
import { ArgumentError, float16ToFloat32, tensor, type DType, type Tensor, type DataTypeMap } from '@sana/core';

/** Concatenates tensors of one dtype along axis 0 (diffusers `torch.cat([neg, pos])`). */
export async function concatBatch<D extends DType>(parts: readonly Tensor<D>[]): Promise<Tensor<D>> {
  const first = parts[0];
  const rest = first.dims.slice(1);
  for (const p of parts) {
    if (p.dtype !== first.dtype || p.dims.slice(1).join() !== rest.join()) {
      throw new ArgumentError('concatBatch', `cannot join ${p.dtype}[${p.dims.join(', ')}] with ${first.dtype}[${first.dims.join(', ')}]`);
    }
  }
  const datas = await Promise.all(parts.map((p) => p.read()));
  const total = datas.reduce((n, d) => n + d.length, 0);
  const Ctor = datas[0].constructor as new (n: number) => DataTypeMap[D];
  const out = new Ctor(total);
  let o = 0;
  for (const d of datas) { (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(d as never, o); o += d.length; }
  const batch = parts.reduce((n, p) => n + p.dims[0], 0);
  return tensor(first.dtype, out, [batch, ...rest]);
}

/** Repeats each batch row `n` times in place order (diffusers `repeat(1, n, 1).view(B * n, ...)`). */
export async function repeatRows<D extends DType>(t: Tensor<D>, n: number): Promise<Tensor<D>> {
  if (n === 1) return t;
  const src = await t.read();
  const B = t.dims[0];
  const row = src.length / B;
  const Ctor = src.constructor as new (n: number) => DataTypeMap[D];
  const out = new Ctor(src.length * n);
  const o = out as unknown as { set(a: ArrayLike<unknown>, o: number): void };
  for (let b = 0; b < B; b++) {
    const slice = (src as unknown as { subarray(a: number, b: number): ArrayLike<unknown> }).subarray(b * row, (b + 1) * row);
    for (let k = 0; k < n; k++) o.set(slice, (b * n + k) * row);
  }
  return tensor(t.dtype, out, [B * n, ...t.dims.slice(1)]);
}

/** Float32 data of a float tensor (fp16 widened). */
export async function readFloat32(t: Tensor): Promise<Float32Array> {
  const d = await t.read();
  if (t.dtype === 'float32') return d as Float32Array;
  if (t.dtype === 'float16') {
    return float16ToFloat32(d as Uint16Array);
  }
  throw new ArgumentError('tensor', `has dtype ${t.dtype}; expected float32 or float16`);
}

/** Channels [0, c) of an NCHW array with `C` channels (diffusers "learned sigma": `chunk(2, dim=1)[0]`). */
export function firstChannels(x: Float32Array, B: number, C: number, c: number, hw: number): Float32Array {
  const out = new Float32Array(B * c * hw);
  for (let b = 0; b < B; b++) out.set(x.subarray(b * C * hw, b * C * hw + c * hw), b * c * hw);
  return out;
}
