// The checkpoint layout of SanaTransformer2DModel: every key and shape a config implies, the strict check, and seeded random weights.
import { WeightError, numel, tensor, type Tensor, type TensorInfo, type WeightStore } from '@sana/core';
import { ffnHiddenDim, innerDim, type SanaTransformerConfig } from './config.js';

/**
 * Every tensor of the checkpoint for `c`, by its diffusers key, with its shape, in checkpoint order.
 * @example expectedWeights(SANA_600M_1024PX).get('transformer_blocks.0.attn1.to_q.weight') // [1152, 1152]
 */
export function expectedWeights(c: SanaTransformerConfig): Map<string, readonly number[]> {
  const d = innerDim(c);
  const p = c.patchSize;
  const m = new Map<string, readonly number[]>();
  const lin = (key: string, out: number, inF: number, bias = true) => {
    m.set(`${key}.weight`, [out, inF]);
    if (bias) m.set(`${key}.bias`, [out]);
  };
  m.set('patch_embed.proj.weight', [d, c.inChannels, p, p]);
  m.set('patch_embed.proj.bias', [d]);
  const te = c.guidanceEmbeds ? 'time_embed' : 'time_embed.emb';
  lin(`${te}.timestep_embedder.linear_1`, d, 256);
  lin(`${te}.timestep_embedder.linear_2`, d, d);
  if (c.guidanceEmbeds) {
    lin('time_embed.guidance_embedder.linear_1', d, 256);
    lin('time_embed.guidance_embedder.linear_2', d, d);
  }
  lin('time_embed.linear', 6 * d, d);
  lin('caption_projection.linear_1', d, c.captionChannels);
  lin('caption_projection.linear_2', d, d);
  m.set('caption_norm.weight', [d]);
  const crossInner = c.numCrossAttentionHeads * c.crossAttentionHeadDim;
  const hid = ffnHiddenDim(c);
  for (let i = 0; i < c.numLayers; i++) {
    const b = `transformer_blocks.${i}`;
    m.set(`${b}.scale_shift_table`, [6, d]);
    lin(`${b}.attn1.to_q`, d, d, c.attentionBias);
    lin(`${b}.attn1.to_k`, d, d, c.attentionBias);
    lin(`${b}.attn1.to_v`, d, d, c.attentionBias);
    if (c.qkNorm) {
      m.set(`${b}.attn1.norm_q.weight`, [d]);
      m.set(`${b}.attn1.norm_k.weight`, [d]);
    }
    lin(`${b}.attn1.to_out.0`, d, d);
    if (c.normElementwiseAffine) {
      m.set(`${b}.norm2.weight`, [d]);
      m.set(`${b}.norm2.bias`, [d]);
    }
    lin(`${b}.attn2.to_q`, crossInner, d);
    lin(`${b}.attn2.to_k`, crossInner, c.crossAttentionDim);
    lin(`${b}.attn2.to_v`, crossInner, c.crossAttentionDim);
    if (c.qkNorm) {
      m.set(`${b}.attn2.norm_q.weight`, [crossInner]);
      m.set(`${b}.attn2.norm_k.weight`, [crossInner]);
    }
    lin(`${b}.attn2.to_out.0`, d, crossInner);
    m.set(`${b}.ff.conv_inverted.weight`, [2 * hid, d, 1, 1]);
    m.set(`${b}.ff.conv_inverted.bias`, [2 * hid]);
    m.set(`${b}.ff.conv_depth.weight`, [2 * hid, 1, 3, 3]);
    m.set(`${b}.ff.conv_depth.bias`, [2 * hid]);
    m.set(`${b}.ff.conv_point.weight`, [d, hid, 1, 1]);
  }
  m.set('scale_shift_table', [2, d]);
  lin('proj_out', p * p * c.outChannels, d);
  return m;
}

/**
 * The number of parameters of the model for `c` (the sum of every expected tensor's size).
 * @example countParameters(SANA_600M_1024PX) // 591_747_872
 */
export function countParameters(c: SanaTransformerConfig): number {
  let n = 0;
  for (const s of expectedWeights(c).values()) n += numel(s);
  return n;
}

const FLOAT_DTYPES = new Set(['float32', 'float16', 'bfloat16']);
const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * The strict loader's check: every expected tensor present with its exact shape and a float dtype, and no
 * tensor the model does not use. Throws `WeightError` naming the key (and both shapes).
 * @example checkWeights(config, await openComponentWeights(dir, 'diffusion_pytorch_model'));
 */
export function checkWeights(c: SanaTransformerConfig, store: WeightStore): void {
  const expected = expectedWeights(c);
  for (const [key, shape] of expected) {
    if (!store.has(key)) throw new WeightError(key, `is missing; the config needs shape ${fmt(shape)}`, store.name);
    const info = store.info(key);
    if (info.shape.length !== shape.length || info.shape.some((v, i) => v !== shape[i])) {
      throw new WeightError(key, `has shape ${fmt(info.shape)}; the config needs ${fmt(shape)}`, store.name);
    }
    if (!FLOAT_DTYPES.has(info.dtype)) throw new WeightError(key, `has dtype ${info.dtype}; expected F32, F16 or BF16`, store.name);
  }
  for (const key of store.keys()) {
    if (!expected.has(key)) {
      throw new WeightError(key, `is not a tensor of SanaTransformer2DModel with this config (shape ${fmt(store.info(key).shape)}); check the config (qk_norm, guidance_embeds, attention_bias, num_layers)`, store.name);
    }
  }
}

/** FNV-1a of a string: a per-key seed, so each tensor is the same whatever order it is read in. */
function hashKey(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Deterministic seeded random weights for a config, for benchmarks and shape tests: no file needed.
 * Weights are uniform in +-1/sqrt(fan_in) (torch's default Linear/Conv bound), biases small, norm weights
 * near 1 and modulation tables near 0, so activations keep a realistic scale through all layers.
 * @example
 * const g = await buildTransformerGraph(SANA_600M_1024PX, new RandomWeights(SANA_600M_1024PX, 0));
 */
export class RandomWeights implements WeightStore {
  readonly name: string;
  private readonly shapes: Map<string, readonly number[]>;
  constructor(readonly config: SanaTransformerConfig, readonly seed = 0) {
    this.shapes = expectedWeights(config);
    this.name = `<random weights, seed ${seed}>`;
  }
  keys(): string[] { return [...this.shapes.keys()]; }
  has(key: string): boolean { return this.shapes.has(key); }
  info(key: string): TensorInfo {
    const shape = this.shapes.get(key);
    if (!shape) throw new WeightError(key, 'is missing', this.name);
    return { key, dtype: 'float32', shape, offset: 0, byteLength: numel(shape) * 4 };
  }
  async get(key: string): Promise<Tensor> {
    return tensor('float32', await this.getFloat32(key), this.info(key).shape);
  }
  async getFloat32(key: string): Promise<Float32Array> {
    const shape = this.info(key).shape;
    const out = new Float32Array(numel(shape));
    let center = 0;
    let bound: number;
    if (/norm(_q|_k|2)?\.weight$/.test(key)) { center = 1; bound = 0.1; }
    else if (key.endsWith('scale_shift_table')) bound = 1 / Math.sqrt(shape[1]);
    else if (key.endsWith('.bias')) bound = 0.02;
    else bound = 1 / Math.sqrt(numel(shape.slice(1)));
    // xorshift32: fast enough for 1.6 B values, and exactly reproducible across platforms.
    let s = hashKey(key, this.seed) || 1;
    for (let i = 0; i < out.length; i++) {
      s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
      out[i] = center + bound * (((s >>> 0) / 4294967296) * 2 - 1);
    }
    return out;
  }
}
