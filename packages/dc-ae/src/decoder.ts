// DC-AE decoder (DC-AE arXiv 2410.10733 §3): latent [B, c, h, w] -> image [B, 3, 32h, 32w] (diffusers `Decoder`).
import { ops, type Value } from '@sana/core';
import type { DcAeConfig } from './config.js';
import { activation, conv2d, convSpec, normSpec, repeatInterleaveChannels, rmsNormChannels, type BuildContext, type WeightSpec } from './layers.js';
import { upBlock, upBlockSpec, type UpOptions } from './sampling-blocks.js';
import { block, blockSpec, type StageOptions } from './stage.js';

interface DecoderVisitor {
  convIn(key: string, cin: number, cout: number): void;
  up(key: string, o: UpOptions): void;
  block(key: string, o: StageOptions): void;
  normOut(key: string, channels: number): void;
  convOut(key: string, cin: number, cout: number, up?: UpOptions): void;
}

/** Execution order: stage n-1 first (diffusers runs `reversed(self.up_blocks)`); keys keep the stage index. */
function walkDecoder(c: DcAeConfig, v: DecoderVisitor) {
  const out = c.decoderBlockOutChannels;
  const layers = c.decoderLayersPerBlock;
  const n = out.length;
  const interpolate = c.upsampleBlockType === 'interpolate';
  v.convIn('decoder.conv_in', c.latentChannels, out[n - 1]);
  for (let i = n - 1; i >= 0; i--) {
    let j = 0;
    if (i < n - 1 && layers[i] > 0) v.up(`decoder.up_blocks.${i}.${j++}`, { cin: out[i + 1], cout: out[i], interpolate, shortcut: true });
    for (let l = 0; l < layers[i]; l++) {
      v.block(`decoder.up_blocks.${i}.${j++}`, {
        type: c.decoderBlockTypes[i], channels: out[i], headDim: c.attentionHeadDim, scales: c.decoderQkvMultiscales[i],
        norm: c.decoderNormTypes[i], act: c.decoderActFns[i],
      });
    }
  }
  const channels = layers[0] > 0 ? out[0] : out[1];
  v.normOut('decoder.norm_out', channels);
  if (layers[0] > 0) v.convOut('decoder.conv_out', channels, c.inChannels);
  else v.convOut('decoder.conv_out', channels, c.inChannels, { cin: channels, cout: c.inChannels, interpolate, shortcut: false });
}

/** Every decoder tensor: checkpoint key -> shape. */
export function decoderWeightSpec(c: DcAeConfig): WeightSpec {
  const spec: WeightSpec = new Map();
  walkDecoder(c, {
    convIn: (key, cin, cout) => convSpec(spec, key, cin, cout, 3),
    up: (key, o) => upBlockSpec(spec, key, o),
    block: (key, o) => blockSpec(spec, key, o),
    normOut: (key, ch) => normSpec(spec, key, 'rms_norm', ch),
    convOut: (key, cin, cout, up) => (up ? upBlockSpec(spec, key, up) : convSpec(spec, key, cin, cout, 3)),
  });
  return spec;
}

/** Adds the decoder to `ctx.g`: raw latent in (already divided by scaling_factor), image in about [-1, 1] out. */
export function decoder(ctx: BuildContext, latent: Value, c: DcAeConfig): Value {
  const { g } = ctx;
  let h = latent;
  walkDecoder(c, {
    convIn: (key, cin, cout) => {
      const y = conv2d(ctx, h, key);
      // decoder_in_shortcut: each latent channel repeated cout / cin times (repeat_interleave).
      h = c.decoderInShortcut ? ops.add(g, y, repeatInterleaveChannels(g, h, cin, cout / cin), 'decoder.in_shortcut') : y;
    },
    up: (key, o) => { h = upBlock(ctx, h, key, o); },
    block: (key, o) => { h = block(ctx, h, key, o); },
    normOut: (key) => { h = activation(g, rmsNormChannels(ctx, h, key), c.decoderConvActFn); },
    convOut: (key, _cin, _cout, up) => { h = up ? upBlock(ctx, h, key, up) : conv2d(ctx, h, key); },
  });
  return h;
}
