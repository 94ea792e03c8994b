// GLUMBConv (Sana §2.3 "Mix-FFN", DC-AE EfficientViT block): 1x1 expand -> SiLU -> depth-wise 3x3 -> GLU gate -> 1x1.
import { ops, type Value } from '@sana/core';
import { conv2d, convSpec, normSpec, rmsNormChannels, type BuildContext, type WeightSpec } from './layers.js';

/** Hidden width is 4x (expand_ratio 4); conv_inverted makes twice that for the value/gate halves. */
const EXPAND = 4;

export function glumbConvSpec(spec: WeightSpec, key: string, channels: number) {
  const hidden = EXPAND * channels;
  convSpec(spec, `${key}.conv_inverted`, channels, 2 * hidden, 1);
  convSpec(spec, `${key}.conv_depth`, 2 * hidden, 2 * hidden, 3, 2 * hidden);
  convSpec(spec, `${key}.conv_point`, hidden, channels, 1, 1, false);
  normSpec(spec, `${key}.norm`, 'rms_norm', channels);
}

/** diffusers `GLUMBConv(norm_type='rms_norm', residual_connection=True)` as the EfficientViT block uses it. */
export function glumbConv(ctx: BuildContext, x: Value, key: string, channels: number): Value {
  const { g } = ctx;
  const hidden = EXPAND * channels;
  return g.scope(key, () => {
    let h = conv2d(ctx, x, `${key}.conv_inverted`); // [B, 2*hidden, H, W]
    h = ops.silu(g, h);
    h = conv2d(ctx, h, `${key}.conv_depth`, { groups: 2 * hidden });
    const [value, gate] = ops.split(g, h, [hidden, hidden], 1); // torch.chunk(2, dim=1)
    h = ops.mul(g, value, ops.silu(g, gate), 'glu');
    h = conv2d(ctx, h, `${key}.conv_point`); // [B, C, H, W]
    h = rmsNormChannels(ctx, h, `${key}.norm`);
    return g.node('Add', [h, x], {}, { name: 'residual' });
  });
}
