// One DC-AE stage's layer stack (DC-AE §3): ResBlocks in the high-resolution stages, EfficientViT blocks below.
import type { Value } from '@sana/core';
import type { ActFn, BlockType, NormType } from './config.js';
import { efficientVitBlock, efficientVitBlockSpec } from './efficient-vit-block.js';
import type { BuildContext, WeightSpec } from './layers.js';
import { resBlock, resBlockSpec } from './res-block.js';

export interface StageOptions {
  readonly type: BlockType;
  readonly channels: number;
  readonly headDim: number;
  readonly scales: readonly number[];
  readonly norm: NormType;
  readonly act: ActFn;
}

/** diffusers `get_block`: the EfficientViT block ignores `act` (its activations are fixed ReLU / SiLU). */
export function blockSpec(spec: WeightSpec, key: string, o: StageOptions) {
  if (o.type === 'ResBlock') resBlockSpec(spec, key, o);
  else efficientVitBlockSpec(spec, key, { channels: o.channels, headDim: o.headDim, scales: o.scales, norm: o.norm });
}

export function block(ctx: BuildContext, x: Value, key: string, o: StageOptions): Value {
  if (o.type === 'ResBlock') return resBlock(ctx, x, key, o);
  return efficientVitBlock(ctx, x, key, { channels: o.channels, headDim: o.headDim, scales: o.scales, norm: o.norm });
}
