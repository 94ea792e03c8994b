// Checkpoint averaging ("model soup" along one run): the element-wise mean of weight files with the same keys,
// shapes and dtypes. The mean of run 10G's export and run 11's, which continued 10G, was a sana-shapes release: on
// the validation prompts it scored 80.5 % against 78.5 / 77.0 % for the two alone (training/README.md, "Runs 10 and
// 11"); for run 12 the mean of its two variants scored below the better of them on each prompt set (validation
// 93.5 % vs 94.0 %, eval 91.0 % vs 93.0 %); for run 13 the mean of its two NoPE students is the release (validation
// 94.0 % vs 92.5 / 92.0 %, eval 91.0 % vs 90.0 / 89.5 %).
import { WeightError, floatTensor, type Tensor, type WeightStore } from '@sana/core';

/**
 * The mean of `stores`, tensor by tensor, computed in float32 and stored in each tensor's dtype (F32 or F16).
 * Throws `WeightError` naming the file and key when a key is missing from one, or its shape or dtype differs.
 */
export async function averageWeights(stores: readonly WeightStore[]): Promise<Record<string, Tensor>> {
  if (stores.length === 0) throw new WeightError('<none>', 'no weight files to average');
  const [first, ...rest] = stores;
  const keys = first.keys().sort();
  for (const s of rest) {
    const extra = s.keys().filter((k) => !first.has(k));
    if (extra.length) throw new WeightError(extra[0], `is in ${s.name} but not in ${first.name}; the files must hold the same tensors`, s.name);
  }
  const out: Record<string, Tensor> = {};
  for (const key of keys) {
    const a = first.info(key);
    if (a.dtype !== 'float32' && a.dtype !== 'float16') throw new WeightError(key, `has dtype ${a.dtype}; only F32 and F16 weights are averaged`, first.name);
    const sum = await first.getFloat32(key);
    for (const s of rest) {
      if (!s.has(key)) throw new WeightError(key, `is missing; it is in ${first.name}`, s.name);
      const b = s.info(key);
      if (b.shape.join() !== a.shape.join() || b.dtype !== a.dtype) {
        throw new WeightError(key, `is ${b.dtype} [${b.shape.join(', ')}]; expected ${a.dtype} [${a.shape.join(', ')}] as in ${first.name}`, s.name);
      }
      const v = await s.getFloat32(key);
      for (let i = 0; i < sum.length; i++) sum[i] += v[i];
    }
    for (let i = 0; i < sum.length; i++) sum[i] /= stores.length;
    out[key] = floatTensor(sum, a.shape, a.dtype);
  }
  return out;
}
