// Softmax cross-attention to the text tokens (Sana §2.1 block design, diffusers SanaAttnProcessor2_0), with the text mask as a bias.
// Abbreviations: B = batch, N = image tokens, L = text tokens, D = inner dim, H = cross heads, d = cross head dim.
import { ops, type Graph, type Value } from '@sana/core';
import type { SanaTransformerConfig } from './config.js';
import { f32, rmsNormWeighted, to32, toFt, type ModuleWeights } from './layers.js';

/**
 * The additive bias of the text mask, as diffusers builds it: (1 - mask) * -10000, [B, 1, 1, L] float32.
 * A finite bias (not -inf) keeps a fully masked row defined, as in the reference.
 * @param mask [B, L] float32, 1 = keep, 0 = padding
 */
export function maskBias(g: Graph, mask: Value): Value {
  const bias = ops.mul(g, ops.sub(g, f32(g, 1), mask), f32(g, -10000), 'mask_bias'); // [B, L]
  return ops.unsqueeze(g, bias, [1, 2]); // [B, 1, 1, L]
}

/**
 * Cross-attention `attn2`: softmax(q k^T / sqrt(d) + bias) v over the caption tokens, then to_out.
 * The bias rides inside the score MatMul: q is augmented with a 1 and k with the bias row, so
 * [q/sqrt(d), 1] . [k, bias] = q.k/sqrt(d) + bias without a broadcast Add over [B, H, N, L] (which cost more
 * than the MatMul on ORT CPU). The scores and softmax are in fp32 (in fp16 graphs q and k are upcast, as fused
 * SDPA kernels accumulate in fp32); the probabilities go back to the graph's type for the product with v.
 * @param x [B, N, D] hidden states, @param text [B, L, D] caption tokens, @param bias [B, 1, 1, L] float32
 */
export function crossAttention(mw: ModuleWeights, x: Value, text: Value, bias: Value, c: SanaTransformerConfig): Value {
  const { g } = mw;
  const heads = c.numCrossAttentionHeads;
  const hd = c.crossAttentionHeadDim;
  const inner = heads * hd;
  const dim = c.numAttentionHeads * c.attentionHeadDim;
  let q = mw.linear(x, 'to_q', inner, dim, true);
  let k = mw.linear(text, 'to_k', inner, c.crossAttentionDim, true);
  const v = mw.linear(text, 'to_v', inner, c.crossAttentionDim, true);
  if (c.qkNorm) {
    q = rmsNormWeighted(mw, q, 'norm_q', inner, 1e-5);
    k = rmsNormWeighted(mw, k, 'norm_k', inner, 1e-5);
  }
  const perHead = [0, 0, heads, hd];
  const qScaled = ops.mul(g, to32(g, q), f32(g, 1 / Math.sqrt(hd)), 'q_scale');
  const qOne = g.node('Pad', [ops.reshape(g, qScaled, perHead), g.int64([0, 0, 0, 0, 0, 0, 0, 1]), f32(g, 1)], { mode: 'constant' }, { name: 'q_pad_one' }); // [B, N, H, d+1]
  const qH = ops.transpose(g, qOne, [0, 2, 1, 3], 'q_heads'); // [B, H, N, d+1]
  const kT = ops.transpose(g, ops.reshape(g, to32(g, k), perHead), [0, 2, 3, 1], 'k_heads'); // [B, L, H, d] -> [B, H, d, L]
  const biasRow = ops.expand(g, bias, g.int64([1, heads, 1, 1])); // [B, 1, 1, L] -> [B, H, 1, L]
  const kBias = ops.concat(g, [kT, biasRow], 2, 'k_bias_row'); // [B, H, d+1, L]
  const vH = ops.transpose(g, ops.reshape(g, v, perHead), [0, 2, 1, 3], 'v_heads'); // [B, L, H, d] -> [B, H, L, d]
  const scores = ops.matMul(g, qH, kBias, 'scores'); // [B, H, N, L] = q.k / sqrt(d) + bias
  const probs = toFt(g, ops.softmax(g, scores, -1)); // [B, H, N, L]
  const o = ops.matMul(g, probs, vH, 'attend'); // [B, H, N, d]
  const merged = ops.reshape(g, ops.transpose(g, o, [0, 2, 1, 3]), [0, 0, inner], 'merge_heads'); // [B, N, H, d] -> [B, N, H*d]
  return mw.linear(merged, 'to_out.0', dim, inner, true);
}
