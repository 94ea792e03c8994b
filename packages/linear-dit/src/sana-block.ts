// One Linear DiT block (Sana §2.2, Fig. 5; diffusers SanaTransformerBlock): modulated linear self-attention, cross-attention, Mix-FFN.
// Abbreviations: B = batch, N = tokens, L = text tokens, D = inner dim, mw = the block's weights.
import { ops, type Value } from '@sana/core';
import { innerDim, type SanaTransformerConfig } from './config.js';
import { crossAttention } from './cross-attention.js';
import { glumbConv } from './glumb-conv.js';
import { DEFAULT_DIT_VARIANT, type ResolvedDitVariant } from './graph-variant.js';
import { chunk, layerNormPlain, modulate, type ModuleWeights } from './layers.js';
import { linearAttention, type HeadMasks } from './linear-attention.js';

export interface BlockInputs {
  /** [B, 6, D]: the shared adaLN-single modulation (time_embed.linear output, reshaped). */
  readonly modulation: Value;
  /** [B, L, D]: the projected, RMS-normed caption. */
  readonly text: Value;
  /** The text mask bias in the attention's type: [B, 1, 1, L], or [B, 1, N, L] for `crossAttention: 'mha'`. */
  readonly textBias: Value;
  /** int64 [2]: the token grid (h, w). */
  readonly grid: Value;
  /** The graph variant (default: the reference layout). */
  readonly variant?: ResolvedDitVariant;
  /** The shared masks of `linearAttention: 'block-diagonal'`. */
  readonly headMasks?: HeadMasks;
}

/**
 * x + gate_msa * attn1(modulate(norm1(x))); x + attn2(x, text); x + gate_mlp * ff(modulate(norm2(x))),
 * with shift/scale/gate = this block's `scale_shift_table` + the shared modulation, chunked 6 ways.
 * @param x [B, N, D] @returns [B, N, D]
 */
export function sanaBlock(mw: ModuleWeights, x: Value, inp: BlockInputs, c: SanaTransformerConfig): Value {
  const { g } = mw;
  const d = innerDim(c);
  const v = inp.variant ?? DEFAULT_DIT_VARIANT;
  const table = mw.tensor('scale_shift_table', [6, d]);
  const [shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp] = chunk(g, ops.add(g, table, inp.modulation, 'modulation'), 6, 1, 1); // [B, 1, D] each

  const norm1 = modulate(g, layerNormPlain(g, x, d, c.normEps), shiftMsa, scaleMsa);
  const attn = g.scope('attn1', () => linearAttention(mw.sub('attn1'), norm1, c, v, inp.headMasks));
  let h = ops.add(g, x, ops.mul(g, gateMsa, attn), 'residual_attn1');

  const cross = g.scope('attn2', () => crossAttention(mw.sub('attn2'), h, inp.text, inp.textBias, c, v));
  h = ops.add(g, cross, h, 'residual_attn2');

  const n2 = c.normElementwiseAffine
    ? ops.layerNorm(g, h, mw.tensor('norm2.weight', [d]), mw.tensor('norm2.bias', [d]), c.normEps)
    : layerNormPlain(g, h, d, c.normEps);
  const ff = g.scope('ff', () => glumbConv(mw.sub('ff'), modulate(g, n2, shiftMlp, scaleMlp), inp.grid, c, v));
  return ops.add(g, h, ops.mul(g, gateMlp, ff), 'residual_ff');
}
