// DC-AE resampling (DC-AE arXiv 2410.10733 §3.1 "residual autoencoding"): space-to-channel down blocks and
// channel-to-space up blocks, each with a parameter-free shortcut (channel averaging / channel repeating).
import { ops, type Value } from '@sana/core';
import { conv2d, convSpec, groupMeanChannels, pixelShuffle, pixelUnshuffle, repeatInterleaveChannels, type BuildContext, type WeightSpec } from './layers.js';

/** Every DC-AE resampling step is 2x. */
export const FACTOR = 2;

export interface DownOptions {
  readonly cin: number;
  readonly cout: number;
  /** true: stride-1 conv to cout/4 then pixel_unshuffle; false: stride-2 conv. */
  readonly pixelUnshuffle: boolean;
  readonly shortcut: boolean;
}

export function downBlockSpec(spec: WeightSpec, key: string, o: DownOptions) {
  convSpec(spec, `${key}.conv`, o.cin, o.pixelUnshuffle ? o.cout / (FACTOR * FACTOR) : o.cout, 3);
}

/** diffusers `DCDownBlock2d`: x = conv (+ unshuffle); shortcut = mean over groups of pixel_unshuffle(input). */
export function downBlock(ctx: BuildContext, x: Value, key: string, o: DownOptions): Value {
  const { g } = ctx;
  return g.scope(key, () => {
    let h = conv2d(ctx, x, `${key}.conv`, { stride: o.pixelUnshuffle ? 1 : FACTOR });
    if (o.pixelUnshuffle) h = pixelUnshuffle(g, h, o.cout / (FACTOR * FACTOR), FACTOR); // [B, cout, H/2, W/2]
    if (!o.shortcut) return h;
    const cUn = o.cin * FACTOR * FACTOR;
    const y = groupMeanChannels(g, pixelUnshuffle(g, x, o.cin, FACTOR), cUn, cUn / o.cout, h); // [B, cout, H/2, W/2]
    return ops.add(g, h, y, 'shortcut');
  });
}

export interface UpOptions {
  readonly cin: number;
  readonly cout: number;
  /** true: nearest 2x interpolate then conv; false: conv to 4*cout then pixel_shuffle. */
  readonly interpolate: boolean;
  readonly shortcut: boolean;
}

export function upBlockSpec(spec: WeightSpec, key: string, o: UpOptions) {
  convSpec(spec, `${key}.conv`, o.cin, o.interpolate ? o.cout : o.cout * FACTOR * FACTOR, 3);
}

/** diffusers `DCUpBlock2d`: shortcut = pixel_shuffle(repeat_interleave(input, 4*cout/cin, dim=1)). */
export function upBlock(ctx: BuildContext, x: Value, key: string, o: UpOptions): Value {
  const { g } = ctx;
  return g.scope(key, () => {
    const h = o.interpolate
      // F.interpolate(scale_factor=2, mode='nearest'): source index floor(dst / 2), ONNX Resize asymmetric + floor.
      ? conv2d(ctx, ops.resizeNearest(g, x, FACTOR, FACTOR), `${key}.conv`)
      : pixelShuffle(g, conv2d(ctx, x, `${key}.conv`), FACTOR);
    if (!o.shortcut) return h;
    const repeats = (o.cout * FACTOR * FACTOR) / o.cin;
    const y = pixelShuffle(g, repeatInterleaveChannels(g, x, o.cin, repeats), FACTOR); // [B, cout, 2H, 2W]
    return ops.add(g, h, y, 'shortcut');
  });
}
