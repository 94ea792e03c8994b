// ReLU linear self-attention (Sana §2.2 "Linear DiT"), as diffusers SanaLinearAttnProcessor2_0: O(N) in tokens.
// Abbreviations: B = batch, N = tokens, D = inner dim, H = heads, d = head dim, mw = the attention's weights.
import { ops, type Value } from '@sana/core';
import type { SanaTransformerConfig } from './config.js';
import { f32, isHalf, rmsNormWeighted, to32, toFt, type ModuleWeights } from './layers.js';

/** The reference's epsilon on the normalizer row. */
export const LINEAR_ATTENTION_EPS = 1e-15;

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
export function linearAttention(mw: ModuleWeights, x: Value, c: SanaTransformerConfig): Value {
  const { g } = mw;
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
  const perHead = [0, 0, heads, hd];
  const q4 = to32(g, ops.relu(g, ops.reshape(g, q, perHead, 'q_heads'))); // [B, N, H, d]
  const k4 = to32(g, ops.relu(g, ops.reshape(g, k, perHead, 'k_heads'))); // [B, N, H, d]
  const v4 = to32(g, ops.reshape(g, v, perHead, 'v_heads')); // [B, N, H, d]
  const vOnes = g.node('Pad', [v4, g.int64([0, 0, 0, 0, 0, 0, 0, 1]), f32(g, 1)], { mode: 'constant' }, { name: 'pad_value_ones' }); // [B, N, H, d+1]
  const kT = ops.transpose(g, k4, [0, 2, 3, 1], 'k_T'); // [B, H, d, N]
  const vH = ops.transpose(g, vOnes, [0, 2, 1, 3], 'v_T'); // [B, H, N, d+1]
  const state = ops.matMul(g, kT, vH, 'kv_state'); // [B, H, d, d+1]: the O(N d^2) reduction over tokens
  const qH = ops.transpose(g, q4, [0, 2, 1, 3], 'q_T'); // [B, H, N, d]
  const o = ops.matMul(g, qH, state, 'q_state'); // [B, H, N, d+1]
  const [num, den] = ops.split(g, o, [hd, 1], -1, 'num_den'); // [B, H, N, d], [B, H, N, 1]
  const out = ops.div(g, num, ops.add(g, den, f32(g, LINEAR_ATTENTION_EPS)), 'normalize'); // [B, H, N, d]
  const merged = ops.reshape(g, ops.transpose(g, out, [0, 2, 1, 3]), [0, 0, dim], 'merge_heads'); // [B, N, H, d] -> [B, N, D]
  const y = mw.linear(toFt(g, merged), 'to_out.0', dim, dim, true);
  return isHalf(g) ? g.node('Clip', [y, g.float(-65504), g.float(65504)], {}, { name: 'clip_fp16' }) : y;
}
