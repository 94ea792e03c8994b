// Gemma-2 self-attention: grouped-query attention with RoPE, logit soft-capping and sliding-window masks (Sana §2.3).
// Abbreviations: g = the graph, B = batch, L = sequence length, nH = query heads, nKV = key/value heads,
// rep = nH / nKV (query heads per key/value head), hd = head dim, F = the graph's float type.
import { Graph, ops, type Value } from '@sana/core';
import type { Gemma2Config } from './gemma2-config.js';

/** torch.finfo(float32).min: transformers' eager mask puts it on every key a query may not see. */
export const MASK_MIN = -3.4028234663852886e38;

/** Values shared by every layer: sequence positions, RoPE tables, and the additive masks of both layer kinds. */
export interface AttentionContext {
  /** cos / sin of the rotary angles, [L, hd] in F. */
  readonly cos: Value;
  readonly sin: Value;
  /** Additive float32 masks tiled for the grouped layout, [B, 1, rep * L, L]; only the kinds the config uses. */
  readonly fullMask?: Value;
  readonly slidingMask?: Value;
}

/**
 * RoPE inverse frequencies as transformers computes them in float32:
 * 1 / theta ** (arange(0, hd, 2) / hd), each step rounded to float32.
 */
export function ropeInvFreq(headDim: number, theta: number): Float32Array {
  const out = new Float32Array(headDim / 2);
  for (let i = 0; i < out.length; i++) out[i] = Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / headDim)));
  return out;
}

/**
 * Builds the position-dependent values from `input_ids` [B, L] and `attention_mask` [B, L] (int64).
 * The masks follow transformers' eager path: causal, keys at padded positions hidden, and for sliding layers
 * only keys with q - kv < sliding_window; hidden entries get MASK_MIN added, so a query that sees no key at all
 * (a padded position past the window) ends up attending uniformly to every key, as in the reference.
 */
export function attentionContext(g: Graph, c: Gemma2Config, inputIds: Value, attentionMask: Value): AttentionContext {
  const rep = c.numAttentionHeads / c.numKeyValueHeads;
  return g.scope('rotary', () => {
    const len = ops.squeeze(g, ops.shape(g, inputIds, 1, 2), [0]); // scalar L
    const pos = ops.range(g, g.int64([0], []), len, g.int64([1], [])); // [L] int64
    // Angles in float32 whatever F is (transformers disables autocast here for the same reason).
    const posF = ops.unsqueeze(g, ops.cast(g, pos, 'float32'), [1]); // [L, 1]
    const invFreq = g.float([...ropeInvFreq(c.headDim, c.ropeTheta)], [c.headDim / 2], 'float32');
    const freqs = ops.mul(g, posF, invFreq); // [L, hd/2]
    const emb = ops.concat(g, [freqs, freqs], -1); // [L, hd]
    const cos = ops.castTo(g, ops.cos(g, emb), 'float32', g.floatType);
    const sin = ops.castTo(g, ops.sin(g, emb), 'float32', g.floatType);

    const q = ops.unsqueeze(g, pos, [1]); // [L, 1]
    const kv = ops.unsqueeze(g, pos, [0]); // [1, L]
    const causal = ops.not(g, ops.greater(g, kv, q)); // [L, L]: kv <= q
    const keyVisible = ops.unsqueeze(g, ops.cast(g, attentionMask, 'bool'), [1, 2]); // [B, 1, 1, L]
    const additive = (allowed: Value) => {
      const m = ops.where(g, ops.and(g, allowed, keyVisible), g.float(0, [], 'float32'), g.float(MASK_MIN, [], 'float32')); // [B, 1, L, L]
      // Tiled once here so every layer adds it to its [B, nKV, rep * L, L] scores without a 5-d view.
      return rep === 1 ? m : g.node('Tile', [m, g.int64([1, 1, rep, 1])]); // [B, 1, rep * L, L]
    };
    const usesFull = c.layerTypes.includes('full_attention');
    const usesSliding = c.layerTypes.includes('sliding_attention');
    const fullMask = usesFull ? g.scope('full_mask', () => additive(causal)) : undefined;
    const slidingMask = usesSliding
      ? g.scope('sliding_mask', () => {
        const inWindow = ops.greater(g, kv, ops.sub(g, q, g.int64([c.slidingWindow], []))); // kv > q - W
        return additive(ops.and(g, causal, inWindow));
      })
      : undefined;
    return { cos, sin, fullMask, slidingMask };
  });
}

/** x * cos + rotate_half(x) * sin over the last axis (hd), rotate_half(x) = [-x2, x1]. */
function rope(g: Graph, x: Value, cos: Value, sin: Value, headDim: number): Value {
  const [x1, x2] = ops.split(g, x, [headDim / 2, headDim / 2], -1);
  const rotated = ops.concat(g, [ops.neg(g, x2), x1], -1);
  return ops.add(g, ops.mul(g, x, cos), ops.mul(g, rotated, sin), 'RoPE');
}

/**
 * One attention block on the normalized input `x` [B, L, hidden] (F). Queries of the `rep` heads that share a
 * key/value head are stacked along the sequence axis, so scores are one [rep * L, L] product per key/value head
 * instead of repeating K and V (transformers' `repeat_kv`), with the same result.
 * Scores, soft-capping, mask and softmax run in float32 (transformers upcasts the softmax too).
 */
export function gemma2Attention(
  g: Graph, c: Gemma2Config, prefix: string, x: Value, w: (key: string) => Float32Array, ctx: AttentionContext, sliding: boolean,
): Value {
  const { hiddenSize: h, numAttentionHeads: nH, numKeyValueHeads: nKV, headDim: hd } = c;
  const rep = nH / nKV;
  return g.scope(`${prefix}.self_attn`, () => {
    const key = (n: string) => `${prefix}.self_attn.${n}`;
    let q = ops.linear(g, x, key('q_proj'), w(`${key('q_proj')}.weight`), nH * hd, h); // [B, L, nH * hd]
    let k = ops.linear(g, x, key('k_proj'), w(`${key('k_proj')}.weight`), nKV * hd, h); // [B, L, nKV * hd]
    const v = ops.linear(g, x, key('v_proj'), w(`${key('v_proj')}.weight`), nKV * hd, h); // [B, L, nKV * hd]

    q = ops.reshape(g, q, [0, 0, nKV, rep, hd]); // [B, L, nKV, rep, hd]; head = kvHead * rep + r
    q = ops.transpose(g, q, [0, 2, 3, 1, 4]); // [B, nKV, rep, L, hd]
    q = rope(g, q, ctx.cos, ctx.sin, hd);
    q = ops.reshape(g, q, [0, 0, -1, hd]); // [B, nKV, rep * L, hd]
    k = ops.transpose(g, ops.reshape(g, k, [0, 0, nKV, hd]), [0, 2, 1, 3]); // [B, nKV, L, hd]
    k = rope(g, k, ctx.cos, ctx.sin, hd);
    const vt = ops.transpose(g, ops.reshape(g, v, [0, 0, nKV, hd]), [0, 2, 1, 3]); // [B, nKV, L, hd]

    let s = ops.matMul(g, q, ops.transpose(g, k, [0, 1, 3, 2])); // [B, nKV, rep * L, L]
    s = ops.castTo(g, s, g.floatType, 'float32');
    s = ops.mul(g, s, g.float(c.queryPreAttnScalar ** -0.5, [], 'float32'), 'scale');
    if (c.attnLogitSoftcapping !== null) {
      const cap = g.float(c.attnLogitSoftcapping, [], 'float32');
      s = ops.mul(g, ops.tanh(g, ops.div(g, s, cap)), cap, 'softcap');
    }
    s = ops.add(g, s, (sliding ? ctx.slidingMask : ctx.fullMask)!, 'mask');
    const p = ops.castTo(g, ops.softmax(g, s, -1), 'float32', g.floatType);
    let o = ops.matMul(g, p, vt); // [B, nKV, rep * L, hd]
    o = ops.reshape(g, o, [0, 0, rep, -1, hd]); // [B, nKV, rep, L, hd]
    o = ops.transpose(g, o, [0, 3, 1, 2, 4]); // [B, L, nKV, rep, hd]
    o = ops.reshape(g, o, [0, 0, nH * hd]); // [B, L, nH * hd]
    return ops.linear(g, o, key('o_proj'), w(`${key('o_proj')}.weight`), h, nH * hd);
  });
}
