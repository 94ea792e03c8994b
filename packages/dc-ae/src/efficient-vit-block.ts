// EfficientViTBlock (DC-AE §3, the attention stages): LiteMLA context module, then GLUMBConv local module.
import type { Value } from '@sana/core';
import { glumbConv, glumbConvSpec } from './glumb-conv.js';
import type { BuildContext, WeightSpec } from './layers.js';
import { liteMla, liteMlaSpec, type LiteMlaOptions } from './lite-mla.js';

export function efficientVitBlockSpec(spec: WeightSpec, key: string, o: LiteMlaOptions) {
  liteMlaSpec(spec, `${key}.attn`, o);
  glumbConvSpec(spec, `${key}.conv_out`, o.channels);
}

/** diffusers `EfficientViTBlock`: both halves carry their own residual. */
export function efficientVitBlock(ctx: BuildContext, x: Value, key: string, o: LiteMlaOptions): Value {
  const h = liteMla(ctx, x, `${key}.attn`, o);
  return glumbConv(ctx, h, `${key}.conv_out`, o.channels);
}
