// LiteMLA (Sana §2.2, DC-AE §3): multi-scale ReLU linear attention, diffusers `SanaMultiscaleLinearAttention`.
// Abbreviations: d = attention_head_dim, S = number of extra scales, N = H*W tokens, inner = heads * d.
import { ops, type Value } from '@sana/core';
import type { NormType } from './config.js';
import { channelLinear, convSpec, conv2d, linearSpec, nchwShapeLike, norm, normSpec, type BuildContext, type WeightSpec } from './layers.js';

export interface LiteMlaOptions {
  readonly channels: number;
  readonly headDim: number;
  /** Kernel sizes of the extra depth-wise aggregation scales (qkv_multiscales), e.g. [5]. */
  readonly scales: readonly number[];
  readonly norm: NormType;
}

/** diffusers: heads = in_channels // attention_head_dim (mult 1). */
export const liteMlaHeads = (o: LiteMlaOptions) => Math.floor(o.channels / o.headDim);

/** diffusers' eps of the normalising denominator. */
const EPS = 1e-15;

export function liteMlaSpec(spec: WeightSpec, key: string, o: LiteMlaOptions) {
  const heads = liteMlaHeads(o);
  const inner = heads * o.headDim;
  for (const p of ['to_q', 'to_k', 'to_v']) linearSpec(spec, `${key}.${p}`, o.channels, inner);
  o.scales.forEach((k, i) => {
    // Depth-wise k x k over q, k and v, then a grouped 1x1 that mixes within each head's (q|k|v) group.
    convSpec(spec, `${key}.to_qkv_multiscale.${i}.proj_in`, 3 * inner, 3 * inner, k, 3 * inner, false);
    convSpec(spec, `${key}.to_qkv_multiscale.${i}.proj_out`, 3 * inner, 3 * inner, 1, 3 * heads, false);
  });
  linearSpec(spec, `${key}.to_out`, inner * (1 + o.scales.length), o.channels);
  normSpec(spec, `${key}.norm_out`, o.norm, o.channels);
}

/**
 * `SanaMultiscaleAttnProcessor2_0` with the residual. diffusers switches to a "quadratic" form when
 * H*W <= attention_head_dim; both forms compute sum_m V_m (K_m . Q_n) / (sum_m K_m . Q_n + eps), only the
 * order of the sums differs, so the graph always uses the linear form (fp32 as diffusers, whatever the graph type).
 */
export function liteMla(ctx: BuildContext, x: Value, key: string, o: LiteMlaOptions): Value {
  const { g } = ctx;
  const d = o.headDim;
  const heads = liteMlaHeads(o);
  const inner = heads * d;
  return g.scope(key, () => {
    const q = channelLinear(ctx, x, `${key}.to_q`);
    const k = channelLinear(ctx, x, `${key}.to_k`);
    const v = channelLinear(ctx, x, `${key}.to_v`);
    const qkv = ops.concat(g, [q, k, v], 1); // [B, 3*inner, H, W]
    const multi = [qkv];
    o.scales.forEach((_, i) => {
      const p = `${key}.to_qkv_multiscale.${i}`;
      const dw = conv2d(ctx, qkv, `${p}.proj_in`, { groups: 3 * inner });
      multi.push(conv2d(ctx, dw, `${p}.proj_out`, { groups: 3 * heads }));
    });
    let h = multi.length > 1 ? ops.concat(g, multi, 1) : qkv; // [B, 3*inner*(1+S), H, W]
    if (g.floatType === 'float16') h = ops.cast(g, h, 'float32'); // diffusers upcasts for linear attention
    // Each group of 3d consecutive channels is one head's (q, k, v), as diffusers' reshape lays them out.
    const groups = heads * (1 + o.scales.length);
    h = ops.reshape(g, h, [0, groups, 3 * d, -1]); // [B, G, 3d, N]
    const [qh, kh, vh] = ops.split(g, h, [d, d, d], 2); // each [B, G, d, N]
    const qr = ops.relu(g, qh);
    const kr = ops.relu(g, kh);
    // Pad v with a row of ones: the last output row is then the normaliser sum_m K_m . Q_n.
    const vPad = g.node('Pad', [vh, g.int64([0, 0, 0, 0, 0, 0, 1, 0]), g.float(1, [], 'float32')], { mode: 'constant' }); // [B, G, d+1, N]
    const vk = ops.matMul(g, vPad, ops.transpose(g, kr, [0, 1, 3, 2])); // [B, G, d+1, d]
    const out = ops.matMul(g, vk, qr); // [B, G, d+1, N]
    const [num, den] = ops.split(g, out, [d, 1], 2);
    let a = ops.div(g, num, ops.add(g, den, g.float(EPS, [], 'float32')), 'normalise'); // [B, G, d, N]
    if (g.floatType === 'float16') a = ops.cast(g, a, 'float16');
    a = ops.reshape(g, a, nchwShapeLike(g, x, groups * d)); // [B, inner*(1+S), H, W]
    let y = channelLinear(ctx, a, `${key}.to_out`); // [B, C, H, W]
    y = norm(ctx, y, `${key}.norm_out`, o.norm);
    return g.node('Add', [y, x], {}, { name: 'residual' });
  });
}
