// ReLU linear self-attention (Sana §2.2 "Linear DiT"), as diffusers SanaLinearAttnProcessor2_0: O(N) in tokens.
// Abbreviations: B = batch, N = tokens, D = inner dim, H = heads, d = head dim, mw = the attention's weights.
import { ops, type FloatType, type Graph, type Value } from '@sana/core';
import type { SanaTransformerConfig } from './config.js';
import { DEFAULT_DIT_VARIANT, type ResolvedDitVariant } from './graph-variant.js';
import { attentionPrecision, isHalf, rmsNormWeighted, type AttentionPrecision, type ModuleWeights } from './layers.js';

/** The reference's epsilon on the normalizer row. */
export const LINEAR_ATTENTION_EPS = 1e-15;
/** In fp16 attention 1e-15 rounds to 0; the smallest fp16 subnormal (2^-24) keeps 0 / (0 + eps) at 0, not NaN. */
const EPS_FP16 = 2 ** -24;

/** The constant masks of the 'block-diagonal' layout, built once per graph and shared by every block. */
export interface HeadMasks {
  /** [D, D]: 1 where row and column are in the same head. */
  readonly block: Value;
  /** [D, H]: 1 where channel i belongs to head h. */
  readonly oneHot: Value;
}

/** The head masks from int64 channel -> head indices (tiny constants; ORT folds them once). */
export function headMasks(g: Graph, heads: number, hd: number, type: FloatType): HeadMasks {
  const dim = heads * hd;
  const head = Array.from({ length: dim }, (_, i) => Math.floor(i / hd));
  const col = g.int64(head, [dim, 1]);
  const eq = (a: Value, b: Value, name: string) => ops.cast(g, g.node('Equal', [a, b], {}, { name }), type);
  return {
    block: eq(col, g.int64(head, [1, dim]), 'head_block_mask'), // [D, D]
    oneHot: eq(col, g.int64(Array.from({ length: heads }, (_, h) => h), [1, heads]), 'head_one_hot'), // [D, H]
  };
}

/**
 * Self-attention `attn1` with similarity relu(q) . relu(k):
 *   out_n = sum_m (relu(q_n) . relu(k_m)) v_m / (sum_m relu(q_n) . relu(k_m) + 1e-15)
 * Keys and values are first reduced to one d x (d+1) state per head, S = relu(K)^T [V | 1]; the queries then
 * read it, relu(Q) S, so no N x N matrix is ever formed. The column of ones is the reference's pad of value with
 * 1.0, whose row of the product is the normalizer. As in the reference, q, k and v are upcast to fp32 after the
 * ReLU and the whole state and division stay fp32; in fp16 graphs the output is clipped to +-65504 like diffusers.
 * @param x [B, N, D] in the graph's float type (the modulated norm1 output)
 * @returns [B, N, D] after to_out
 */
export function linearAttention(mw: ModuleWeights, x: Value, c: SanaTransformerConfig, variant: ResolvedDitVariant = DEFAULT_DIT_VARIANT, masks?: HeadMasks): Value {
  const { g } = mw;
  const p = attentionPrecision(g, variant.attentionPrecision === 'fp32');
  const heads = c.numAttentionHeads;
  const hd = c.attentionHeadDim;
  const dim = heads * hd;
  let q = mw.linear(x, 'to_q', dim, dim, c.attentionBias);
  let k = mw.linear(x, 'to_k', dim, dim, c.attentionBias);
  const v = mw.linear(x, 'to_v', dim, dim, c.attentionBias);
  if (c.qkNorm) {
    q = rmsNormWeighted(mw, q, 'norm_q', dim, 1e-5);
    k = rmsNormWeighted(mw, k, 'norm_k', dim, 1e-5);
  }
  let merged: Value;
  if (variant.linearAttention === 'block-diagonal') {
    if (!masks) throw new Error('internal: the block-diagonal linear attention needs the head masks'); // a builder bug
    merged = blockDiagonal(g, p, q, k, v, masks, heads, hd);
  } else {
    merged = perHeadState(g, p, q, k, v, heads, hd);
  }
  const y = mw.linear(p.down(merged), 'to_out.0', dim, dim, true);
  return isHalf(g) ? g.node('Clip', [y, g.float(-65504), g.float(65504)], {}, { name: 'clip_fp16' }) : y;
}

const epsOf = (p: AttentionPrecision) => p.scalar(p.type === 'float16' ? EPS_FP16 : LINEAR_ATTENTION_EPS);

/** The reference layout: heads moved to axis 1, one d x (d+1) state per head. q, k, v [B, N, D] -> [B, N, D]. */
function perHeadState(g: Graph, p: AttentionPrecision, q: Value, k: Value, v: Value, heads: number, hd: number): Value {
  const dim = heads * hd;
  const perHead = [0, 0, heads, hd];
  const q4 = p.up(ops.relu(g, ops.reshape(g, q, perHead, 'q_heads'))); // [B, N, H, d]
  const k4 = p.up(ops.relu(g, ops.reshape(g, k, perHead, 'k_heads'))); // [B, N, H, d]
  const v4 = p.up(ops.reshape(g, v, perHead, 'v_heads')); // [B, N, H, d]
  const vOnes = g.node('Pad', [v4, g.int64([0, 0, 0, 0, 0, 0, 0, 1]), p.scalar(1)], { mode: 'constant' }, { name: 'pad_value_ones' }); // [B, N, H, d+1]
  const kT = ops.transpose(g, k4, [0, 2, 3, 1], 'k_T'); // [B, H, d, N]
  const vH = ops.transpose(g, vOnes, [0, 2, 1, 3], 'v_T'); // [B, H, N, d+1]
  const state = ops.matMul(g, kT, vH, 'kv_state'); // [B, H, d, d+1]: the O(N d^2) reduction over tokens
  const qH = ops.transpose(g, q4, [0, 2, 1, 3], 'q_T'); // [B, H, N, d]
  const o = ops.matMul(g, qH, state, 'q_state'); // [B, H, N, d+1]
  const [num, den] = ops.split(g, o, [hd, 1], -1, 'num_den'); // [B, H, N, d], [B, H, N, 1]
  const out = ops.div(g, num, ops.add(g, den, epsOf(p)), 'normalize'); // [B, H, N, d]
  return ops.reshape(g, ops.transpose(g, out, [0, 2, 1, 3]), [0, 0, dim], 'merge_heads'); // [B, N, H, d] -> [B, N, D]
}

/**
 * The token layout: S = relu(K)^T V over all channels [D, D], masked to its per-head diagonal blocks, with the
 * per-head key sums sum_m relu(k_m) placed in H extra columns, so relu(Q) [S | ksum] gives every head's
 * numerator and normalizer in one MatMul, without moving heads to another axis. q, k, v [B, N, D] -> [B, N, D].
 */
function blockDiagonal(g: Graph, p: AttentionPrecision, q: Value, k: Value, v: Value, masks: HeadMasks, heads: number, hd: number): Value {
  const dim = heads * hd;
  const qr = p.up(ops.relu(g, q)); // [B, N, D]
  const kT = ops.transpose(g, p.up(ops.relu(g, k)), [0, 2, 1], 'k_T'); // [B, D, N]
  const kv = ops.mul(g, ops.matMul(g, kT, p.up(v), 'kv_full'), masks.block, 'kv_state'); // [B, D, D], zero off the head blocks
  const kSum = ops.mul(g, ops.reduceSum(g, kT, [2]), masks.oneHot, 'k_sum'); // [B, D, 1] * [D, H] -> [B, D, H]
  const o = ops.matMul(g, qr, ops.concat(g, [kv, kSum], -1), 'q_state'); // [B, N, D + H]
  const [num, den] = ops.split(g, o, [dim, heads], -1, 'num_den'); // [B, N, D], [B, N, H]
  const num4 = ops.reshape(g, num, [0, 0, heads, hd]); // [B, N, H, d]
  const den4 = ops.reshape(g, den, [0, 0, heads, 1]); // [B, N, H, 1]
  const out = ops.div(g, num4, ops.add(g, den4, epsOf(p)), 'normalize'); // [B, N, H, d]
  return ops.reshape(g, out, [0, 0, dim], 'merge_heads'); // [B, N, D]
}
