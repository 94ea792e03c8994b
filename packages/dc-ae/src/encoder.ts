// DC-AE encoder (DC-AE arXiv 2410.10733 §3): image [B, 3, H, W] -> latent [B, c, H/32, W/32] (diffusers `Encoder`).
import { ops, type Value } from '@sana/core';
import type { DcAeConfig } from './config.js';
import { conv2d, convSpec, groupMeanChannels, type BuildContext, type WeightSpec } from './layers.js';
import { downBlock, downBlockSpec, type DownOptions } from './sampling-blocks.js';
import { block, blockSpec, type StageOptions } from './stage.js';

/** Walks the encoder in diffusers' module order, calling `visit` for each piece with its checkpoint key. */
interface EncoderVisitor {
  convIn(key: string, cin: number, cout: number, down?: DownOptions): void;
  block(key: string, o: StageOptions): void;
  down(key: string, o: DownOptions): void;
  convOut(key: string, cin: number, cout: number): void;
}

function walkEncoder(c: DcAeConfig, v: EncoderVisitor) {
  const out = c.encoderBlockOutChannels;
  const layers = c.encoderLayersPerBlock;
  const unshuffle = c.downsampleBlockType === 'pixel_unshuffle';
  // A first stage without layers is replaced by a down block as conv_in (no shortcut).
  if (layers[0] > 0) v.convIn('encoder.conv_in', c.inChannels, out[0]);
  else v.convIn('encoder.conv_in', c.inChannels, out[1], { cin: c.inChannels, cout: out[1], pixelUnshuffle: unshuffle, shortcut: false });
  for (let i = 0; i < out.length; i++) {
    for (let j = 0; j < layers[i]; j++) {
      // The encoder always uses RMSNorm and SiLU (diffusers hard-codes them).
      v.block(`encoder.down_blocks.${i}.${j}`, {
        type: c.encoderBlockTypes[i], channels: out[i], headDim: c.attentionHeadDim, scales: c.encoderQkvMultiscales[i], norm: 'rms_norm', act: 'silu',
      });
    }
    if (i < out.length - 1 && layers[i] > 0) {
      v.down(`encoder.down_blocks.${i}.${layers[i]}`, { cin: out[i], cout: out[i + 1], pixelUnshuffle: unshuffle, shortcut: true });
    }
  }
  v.convOut('encoder.conv_out', out[out.length - 1], c.latentChannels);
}

/** Every encoder tensor: checkpoint key -> shape. */
export function encoderWeightSpec(c: DcAeConfig): WeightSpec {
  const spec: WeightSpec = new Map();
  walkEncoder(c, {
    convIn: (key, cin, cout, down) => (down ? downBlockSpec(spec, key, down) : convSpec(spec, key, cin, cout, 3)),
    block: (key, o) => blockSpec(spec, key, o),
    down: (key, o) => downBlockSpec(spec, key, o),
    convOut: (key, cin, cout) => convSpec(spec, key, cin, cout, 3),
  });
  return spec;
}

/** Adds the encoder to `ctx.g`: `image` (graph float type) in, raw latent out (before scaling_factor). */
export function encoder(ctx: BuildContext, image: Value, c: DcAeConfig): Value {
  const { g } = ctx;
  let h = image;
  walkEncoder(c, {
    convIn: (key, _cin, _cout, down) => { h = down ? downBlock(ctx, h, key, down) : conv2d(ctx, h, key); },
    block: (key, o) => { h = block(ctx, h, key, o); },
    down: (key, o) => { h = downBlock(ctx, h, key, o); },
    convOut: (key, cin, cout) => {
      const y = conv2d(ctx, h, key);
      // encoder_out_shortcut: the last features averaged in groups of cin / latent_channels.
      h = c.encoderOutShortcut ? ops.add(g, y, groupMeanChannels(g, h, cin, cin / cout, y), 'encoder.out_shortcut') : y;
    },
  });
  return h;
}
