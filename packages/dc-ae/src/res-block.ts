// ResBlock (DC-AE arXiv 2410.10733 §3, the convolutional stages): conv3x3 -> act -> conv3x3 -> norm, plus identity.
import type { Value } from '@sana/core';
import type { ActFn, NormType } from './config.js';
import { activation, conv2d, convSpec, norm, normSpec, type BuildContext, type WeightSpec } from './layers.js';

export interface ResBlockOptions {
  readonly channels: number;
  readonly norm: NormType;
  readonly act: ActFn;
}

export function resBlockSpec(spec: WeightSpec, key: string, o: ResBlockOptions) {
  convSpec(spec, `${key}.conv1`, o.channels, o.channels, 3);
  convSpec(spec, `${key}.conv2`, o.channels, o.channels, 3, 1, false);
  normSpec(spec, `${key}.norm`, o.norm, o.channels);
}

/** diffusers `ResBlock.forward`: in and out widths are equal in every DC-AE stage, so the residual is plain. */
export function resBlock(ctx: BuildContext, x: Value, key: string, o: ResBlockOptions): Value {
  return ctx.g.scope(key, () => {
    let h = conv2d(ctx, x, `${key}.conv1`);
    h = activation(ctx.g, h, o.act);
    h = conv2d(ctx, h, `${key}.conv2`);
    h = norm(ctx, h, `${key}.norm`, o.norm);
    return ctx.g.node('Add', [h, x], {}, { name: 'residual' });
  });
}
