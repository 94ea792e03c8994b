// Gemma-2 weights: the checkpoint's keys and shapes, a strict loader, and random weights for benchmarks.
import { WeightError, type WeightStore } from '@sana/core';
import type { Gemma2Config } from './gemma2-config.js';

/** Where the graph builder takes each tensor from, by checkpoint key, as float32 ([out, in] for linears). */
export interface Gemma2Weights {
  get(key: string): Float32Array | undefined;
}

/** Every tensor of a transformers `Gemma2Model` checkpoint and its shape. */
export function gemma2WeightShapes(c: Gemma2Config): Map<string, readonly number[]> {
  const h = c.hiddenSize;
  const m = new Map<string, readonly number[]>();
  m.set('embed_tokens.weight', [c.vocabSize, h]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `layers.${i}`;
    m.set(`${p}.self_attn.q_proj.weight`, [c.numAttentionHeads * c.headDim, h]);
    m.set(`${p}.self_attn.k_proj.weight`, [c.numKeyValueHeads * c.headDim, h]);
    m.set(`${p}.self_attn.v_proj.weight`, [c.numKeyValueHeads * c.headDim, h]);
    m.set(`${p}.self_attn.o_proj.weight`, [h, c.numAttentionHeads * c.headDim]);
    m.set(`${p}.mlp.gate_proj.weight`, [c.intermediateSize, h]);
    m.set(`${p}.mlp.up_proj.weight`, [c.intermediateSize, h]);
    m.set(`${p}.mlp.down_proj.weight`, [h, c.intermediateSize]);
    for (const n of ['input_layernorm', 'post_attention_layernorm', 'pre_feedforward_layernorm', 'post_feedforward_layernorm']) {
      m.set(`${p}.${n}.weight`, [h]);
    }
  }
  m.set('norm.weight', [h]);
  return m;
}

/** Some exports prefix every key with `model.` (Gemma2ForCausalLM); the tied `lm_head` is not used. */
function stripPrefix(key: string): string | null {
  if (key === 'lm_head.weight') return null;
  return key.startsWith('model.') ? key.slice(6) : key;
}

/**
 * Reads every tensor a `Gemma2Model` needs from `store`, widened to float32. Strict: a missing, extra or
 * mis-shaped tensor is a `WeightError` naming the key and both shapes.
 * @example
 * const weights = await loadGemma2Weights(await openComponentWeights('sana/text_encoder', 'model'), config);
 */
export async function loadGemma2Weights(store: WeightStore, c: Gemma2Config): Promise<Map<string, Float32Array>> {
  const shapes = gemma2WeightShapes(c);
  const byKey = new Map<string, string>(); // our key -> the store's key
  for (const k of store.keys()) {
    const ours = stripPrefix(k);
    if (ours === null) continue;
    if (!shapes.has(ours)) throw new WeightError(k, 'is not a Gemma2Model tensor (extra tensor in the checkpoint)', store.name);
    byKey.set(ours, k);
  }
  for (const [key, shape] of shapes) {
    const k = byKey.get(key);
    if (!k) throw new WeightError(key, `is missing (expected shape [${shape.join(', ')}])`, store.name);
    const got = store.info(k).shape;
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      const hint = key === 'embed_tokens.weight' ? ` (config vocab_size ${c.vocabSize}, hidden_size ${c.hiddenSize})` : '';
      throw new WeightError(k, `has shape [${got.join(', ')}], expected [${shape.join(', ')}]${hint}`, store.name);
    }
  }
  const out = new Map<string, Float32Array>();
  for (const key of shapes.keys()) out.set(key, await store.getFloat32(byKey.get(key)!));
  return out;
}

/** Hands each tensor out once and forgets it, so the graph's (transposed) copy is the only one kept in memory. */
export function takeOnce(weights: Map<string, Float32Array>): Gemma2Weights {
  return {
    get(key) {
      const w = weights.get(key);
      weights.delete(key);
      return w;
    },
  };
}

/**
 * Random weights generated on demand (nothing is kept), for benchmarks of full-size configs. Linear weights are
 * uniform with std 0.02 (the config's `initializer_range`), norm weights small around 0 (the scale is 1 + w).
 * @example const graph = buildGemma2Graph(GEMMA_2_2B, randomGemma2Weights(GEMMA_2_2B, 0));
 */
export function randomGemma2Weights(c: Gemma2Config, seed = 0): Gemma2Weights {
  const shapes = gemma2WeightShapes(c);
  let salt = 0;
  return {
    get(key) {
      const shape = shapes.get(key);
      if (!shape) return undefined;
      const n = shape.reduce((a, b) => a * b, 1);
      const isNorm = shape.length === 1;
      return uniform(n, isNorm ? 0.1 : 0.02 * Math.sqrt(3), (seed * 7919 + ++salt) >>> 0);
    },
  };
}

/** n values uniform in [-a, a] from xorshift32: fast enough for the 2.6B parameters of Gemma-2-2B. */
function uniform(n: number, a: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed ^ 0x9e3779b9) >>> 0 || 1;
  const scale = (2 * a) / 4294967296;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = s * scale - a;
  }
  return out;
}
