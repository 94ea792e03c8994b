// Softmax cross-attention to the text tokens (Sana §2.1 block design, diffusers SanaAttnProcessor2_0), with the text mask as a bias.
// Abbreviations: B = batch, N = image tokens, L = text tokens, D = inner dim, H = cross heads, d = cross head dim.
import { ops, type Graph, type Value } from '@sana/core';
import type { SanaTransformerConfig } from './config.js';
import { DEFAULT_DIT_VARIANT, type ResolvedDitVariant } from './graph-variant.js';
import { attentionPrecision, f32, rmsNormWeighted, type ModuleWeights } from './layers.js';

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
 * The text bias as `MultiHeadAttention` takes it: [B, 1, 1, L] float32 -> [B, 1, N, L] in `type`, built once per
 * graph. @param tokens [B, N, D] (for N)
 */
export function mhaBias(g: Graph, bias: Value, tokens: Value, type: 'float32' | 'float16'): Value {
  const n = ops.shape(g, tokens, 1, 2); // [N]
  const full = ops.expand(g, bias, ops.concat(g, [g.int64([1, 1]), n, g.int64([1])], 0)); // [B, 1, 1, L] -> [B, 1, N, L]
  return type === 'float32' ? full : ops.cast(g, full, type);
}

/**
 * Cross-attention `attn2`: softmax(q k^T / sqrt(d) + bias) v over the caption tokens, then to_out.
 * The bias rides inside the score MatMul: q is augmented with a 1 and k with the bias row, so
 * [q/sqrt(d), 1] . [k, bias] = q.k/sqrt(d) + bias without a broadcast Add over [B, H, N, L] (which cost more
 * than the MatMul on ORT CPU). The scores and softmax are in fp32 (in fp16 graphs q and k are upcast, as fused
 * SDPA kernels accumulate in fp32); the probabilities go back to the graph's type for the product with v.
 * With the variant `crossAttention: 'mha'` the whole attention is one `com.microsoft` `MultiHeadAttention` node.
 * @param x [B, N, D] hidden states, @param text [B, L, D] caption tokens,
 * @param bias [B, 1, 1, L] in the attention's type (float32 unless `attentionPrecision: 'fp16'`), or for 'mha' the
 * `mhaBias` [B, 1, N, L]
 */
export function crossAttention(mw: ModuleWeights, x: Value, text: Value, bias: Value, c: SanaTransformerConfig, variant: ResolvedDitVariant = DEFAULT_DIT_VARIANT): Value {
  const { g } = mw;
  const p = attentionPrecision(g, variant.attentionPrecision === 'fp32');
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
  if (variant.crossAttention === 'mha') {
    // com.microsoft MultiHeadAttention: q [B, N, H*d], k / v [B, L, H*d], attention_bias [B, 1, N, L] -> [B, N, H*d].
    // The bias comes expanded over N and in the attention's type (see mhaBias): the op takes no size-1 query axis.
    const o = g.node('MultiHeadAttention', [p.up(q), p.up(k), p.up(v), '', '', bias], {
      num_heads: heads, scale: { float: 1 / Math.sqrt(hd) },
    }, { domain: 'com.microsoft', name: 'mha' });
    return mw.linear(p.down(o), 'to_out.0', dim, inner, true);
  }
  const perHead = [0, 0, heads, hd];
  const qScaled = ops.mul(g, p.up(q), p.scalar(1 / Math.sqrt(hd)), 'q_scale');
  const qOne = g.node('Pad', [ops.reshape(g, qScaled, perHead), g.int64([0, 0, 0, 0, 0, 0, 0, 1]), p.scalar(1)], { mode: 'constant' }, { name: 'q_pad_one' }); // [B, N, H, d+1]
  const qH = ops.transpose(g, qOne, [0, 2, 1, 3], 'q_heads'); // [B, H, N, d+1]
  const kT = ops.transpose(g, ops.reshape(g, p.up(k), perHead), [0, 2, 3, 1], 'k_heads'); // [B, L, H, d] -> [B, H, d, L]
  const biasRow = ops.expand(g, bias, g.int64([1, heads, 1, 1])); // [B, 1, 1, L] -> [B, H, 1, L]
  const kBias = ops.concat(g, [kT, biasRow], 2, 'k_bias_row'); // [B, H, d+1, L]
  const vH = ops.transpose(g, ops.reshape(g, v, perHead), [0, 2, 1, 3], 'v_heads'); // [B, L, H, d] -> [B, H, L, d]
  const scores = ops.matMul(g, qH, kBias, 'scores'); // [B, H, N, L] = q.k / sqrt(d) + bias
  const probs = p.down(ops.softmax(g, scores, -1)); // [B, H, N, L]
  const o = ops.matMul(g, probs, vH, 'attend'); // [B, H, N, d]
  const merged = ops.reshape(g, ops.transpose(g, o, [0, 2, 1, 3]), [0, 0, inner], 'merge_heads'); // [B, N, H, d] -> [B, N, H*d]
  return mw.linear(merged, 'to_out.0', dim, inner, true);
}
