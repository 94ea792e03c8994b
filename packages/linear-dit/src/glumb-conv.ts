// Mix-FFN (Sana §2.2, diffusers GLUMBConv): 1x1 conv, SiLU, 3x3 depth-wise conv, GLU gate, 1x1 conv.
// Abbreviations: B = batch, N = h*w tokens, D = inner dim, F = hidden channels int(mlp_ratio * D).
import { ops, type Value } from '@sana/core';
import { ffnHiddenDim, innerDim, type SanaTransformerConfig } from './config.js';
import { DEFAULT_DIT_VARIANT, type ResolvedDitVariant } from './graph-variant.js';
import { chunk, type ModuleWeights } from './layers.js';

/**
 * The feed-forward of a Sana block. Tokens go back to the image layout the reference uses,
 * `unflatten(1, (h, w)).permute(0, 3, 1, 2)`, so the 3x3 depth-wise conv sees real neighbours (h and w are
 * not interchangeable); the output is flattened back to tokens. With the variant `mixFfn: 'matmul'` the 1x1
 * convs are MatMuls on the tokens instead (see glumbConvTokens).
 * @param x [B, N, D], @param grid int64 [2] = (h, w) @returns [B, N, D]
 */
export function glumbConv(mw: ModuleWeights, x: Value, grid: Value, c: SanaTransformerConfig, variant: ResolvedDitVariant = DEFAULT_DIT_VARIANT): Value {
  if (variant.mixFfn === 'matmul') return glumbConvTokens(mw, x, grid, c);
  const { g } = mw;
  const d = innerDim(c);
  const f = ffnHiddenDim(c);
  const spatial = ops.concat(g, [g.int64([0, 0]), grid], 0);
  const img = ops.reshape(g, ops.transpose(g, x, [0, 2, 1]), spatial, 'to_image'); // [B, D, N] -> [B, D, h, w]
  const inv = ops.conv(g, img, mw.tensor('conv_inverted.weight', [2 * f, d, 1, 1]), mw.tensor('conv_inverted.bias', [2 * f]), { name: 'conv_inverted' }); // [B, 2F, h, w]
  const dw = ops.conv(g, ops.silu(g, inv), mw.tensor('conv_depth.weight', [2 * f, 1, 3, 3]), mw.tensor('conv_depth.bias', [2 * f]), {
    group: 2 * f, pads: [1, 1, 1, 1], name: 'conv_depth',
  }); // [B, 2F, h, w]
  const [hidden, gate] = chunk(g, dw, 2, f, 1); // [B, F, h, w] each
  const glu = ops.mul(g, hidden, ops.silu(g, gate), 'glu');
  const out = ops.conv(g, glu, mw.tensor('conv_point.weight', [d, f, 1, 1]), undefined, { name: 'conv_point' }); // [B, D, h, w]
  return ops.transpose(g, ops.reshape(g, out, [0, 0, -1]), [0, 2, 1], 'to_tokens'); // [B, D, N] -> [B, N, D]
}

/**
 * The same Mix-FFN in the token layout: a 1x1 conv over [B, C, h, w] is a MatMul by the [out, in] kernel over
 * [B, N, C] (same checkpoint tensors, viewed as linears). Only the depth-wise 3x3 conv needs the image layout;
 * it is entered by [B, h, w, 2F] -> [B, 2F, h, w] (perm 0,3,1,2) and left by the inverse, exactly the pair an
 * NHWC execution provider puts around its Conv, so ORT's transpose optimizer can cancel both.
 * @param x [B, N, D], @param grid int64 [2] = (h, w) @returns [B, N, D]
 */
export function glumbConvTokens(mw: ModuleWeights, x: Value, grid: Value, c: SanaTransformerConfig): Value {
  const { g } = mw;
  const d = innerDim(c);
  const f = ffnHiddenDim(c);
  const inv = ops.silu(g, mw.linear(x, 'conv_inverted', 2 * f, d, true)); // [B, N, 2F]
  const nhwc = ops.concat(g, [g.int64([0]), grid, g.int64([2 * f])], 0);
  const img = ops.transpose(g, ops.reshape(g, inv, nhwc, 'to_nhwc'), [0, 3, 1, 2], 'to_nchw'); // [B, h, w, 2F] -> [B, 2F, h, w]
  const dw = ops.conv(g, img, mw.tensor('conv_depth.weight', [2 * f, 1, 3, 3]), mw.tensor('conv_depth.bias', [2 * f]), {
    group: 2 * f, pads: [1, 1, 1, 1], name: 'conv_depth',
  }); // [B, 2F, h, w]
  const tokens = ops.reshape(g, ops.transpose(g, dw, [0, 2, 3, 1], 'to_nhwc_out'), [0, -1, 2 * f], 'to_tokens'); // [B, h, w, 2F] -> [B, N, 2F]
  const [hidden, gate] = chunk(g, tokens, 2, f, 2); // [B, N, F] each
  const glu = ops.mul(g, hidden, ops.silu(g, gate), 'glu');
  return mw.linear(glu, 'conv_point', d, f, false); // [B, N, D]
}
