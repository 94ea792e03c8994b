// DC-AE weights: the strict checkpoint loader (keys exactly as diffusers saves them) and random weights for benchmarks.
import { WeightError, tensor, type Tensor, type TensorInfo, type WeightStore } from '@sana/core';
import type { DcAeConfig } from './config.js';
import { decoderWeightSpec } from './decoder.js';
import { encoderWeightSpec } from './encoder.js';
import type { WeightSpec } from './layers.js';

export type DcAePart = 'encoder' | 'decoder';

export function weightSpec(config: DcAeConfig, part: DcAePart): WeightSpec {
  return part === 'encoder' ? encoderWeightSpec(config) : decoderWeightSpec(config);
}

/** Parameters of one part (or both), from the spec. f32c32: encoder 153.0M, decoder 159.2M. */
export function parameterCount(config: DcAeConfig, part?: DcAePart): number {
  const parts: DcAePart[] = part ? [part] : ['encoder', 'decoder'];
  let n = 0;
  for (const p of parts) for (const s of weightSpec(config, p).values()) n += s.reduce((a, b) => a * b, 1);
  return n;
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Checks `store` against the config's spec for `part` and reads every tensor as float32. Strict: a missing or
 * mis-shaped tensor, a non-float one, or an unknown tensor under `part.` throws `WeightError` naming the key
 * (and both shapes). Tensors of the other part are ignored, so one checkpoint file serves both graphs;
 * BatchNorm's `num_batches_tracked` counters are training state and are skipped.
 * @example const tensors = await loadPartWeights(store, DC_AE_F32C32_SANA_1_0, 'decoder');
 */
export async function loadPartWeights(store: WeightStore, config: DcAeConfig, part: DcAePart): Promise<{ spec: WeightSpec; weights: Map<string, Float32Array> }> {
  const spec = weightSpec(config, part);
  const other: DcAePart = part === 'encoder' ? 'decoder' : 'encoder';
  for (const key of store.keys()) {
    if (spec.has(key) || key.startsWith(`${other}.`)) continue;
    if (key.endsWith('.num_batches_tracked') && spec.has(key.replace(/num_batches_tracked$/, 'running_mean'))) continue;
    throw new WeightError(key, `is not part of this AutoencoderDC config (unexpected tensor ${describe(store.info(key))}); is the config.json the one of this checkpoint?`, store.name);
  }
  const weights = new Map<string, Float32Array>();
  for (const [key, shape] of spec) {
    if (!store.has(key)) throw new WeightError(key, `is missing; the config needs shape [${shape.join(', ')}]`, store.name);
    const info = store.info(key);
    if (!same(info.shape, shape)) throw new WeightError(key, `has shape [${info.shape.join(', ')}] but the config needs [${shape.join(', ')}]`, store.name);
    if (info.dtype !== 'float32' && info.dtype !== 'float16' && info.dtype !== 'bfloat16') {
      throw new WeightError(key, `has dtype ${info.dtype}; expected F32, F16 or BF16`, store.name);
    }
    weights.set(key, await store.getFloat32(key));
  }
  return { spec, weights };
}

function describe(i: TensorInfo) {
  return `${i.dtype} [${i.shape.join(', ')}]`;
}

/** An in-memory WeightStore (random weights, tests). */
export class MemoryWeights implements WeightStore {
  constructor(readonly name: string, private readonly tensors: ReadonlyMap<string, Tensor>) {}
  keys() { return [...this.tensors.keys()]; }
  has(key: string) { return this.tensors.has(key); }
  info(key: string): TensorInfo {
    const t = this.tensors.get(key);
    if (!t) throw new WeightError(key, 'is missing', this.name);
    return { key, dtype: t.dtype, shape: t.dims, offset: 0, byteLength: t.data.byteLength };
  }
  async get(key: string) { this.info(key); return this.tensors.get(key)!; }
  async getFloat32(key: string) {
    const t = await this.get(key);
    if (t.dtype !== 'float32') throw new WeightError(key, `is ${t.dtype}; MemoryWeights holds float32 only`, this.name);
    return t.data as Float32Array;
  }
  /** A copy without `key` (for tests of the loader). */
  without(key: string): MemoryWeights {
    const m = new Map(this.tensors);
    m.delete(key);
    return new MemoryWeights(this.name, m);
  }
}

/** mulberry32: a small, fast, seedable uniform generator (benchmark weights need no torch parity). */
function uniform(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random weights of the right shapes for `parts`, scaled so activations stay O(1) through the whole network:
 * conv / linear weights uniform with variance 1/fan_in, norm weights near 1, biases and running means small,
 * running variances in [0.5, 1.5]. For benchmarks and shape tests, not for images.
 * @example const store = randomDcAeWeights(DC_AE_F32C32_SANA_1_0, { parts: ['decoder'] });
 */
export function randomDcAeWeights(config: DcAeConfig, options: { seed?: number; parts?: readonly DcAePart[] } = {}): MemoryWeights {
  const rand = uniform(options.seed ?? 0);
  const tensors = new Map<string, Tensor>();
  for (const part of options.parts ?? ['encoder', 'decoder']) {
    for (const [key, shape] of weightSpec(config, part)) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      const leaf = key.slice(key.lastIndexOf('.') + 1);
      const isNorm = /\.(norm|norm_out)\.[a-z_]+$/.test(key);
      if (leaf === 'running_var') for (let i = 0; i < n; i++) data[i] = 0.5 + rand();
      else if (isNorm && leaf === 'weight') for (let i = 0; i < n; i++) data[i] = 0.8 + 0.4 * rand();
      else if (leaf === 'bias' || leaf === 'running_mean') for (let i = 0; i < n; i++) data[i] = 0.1 * (2 * rand() - 1);
      else {
        const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
        const bound = Math.sqrt(3 / fanIn);
        for (let i = 0; i < n; i++) data[i] = bound * (2 * rand() - 1);
      }
      tensors.set(key, tensor('float32', data, shape));
    }
  }
  return new MemoryWeights(`random(${(options.parts ?? ['encoder', 'decoder']).join('+')}, seed ${options.seed ?? 0})`, tensors);
}
