// Shape smoke tests of the config paths the fixtures do not cover (stage 0 without layers, gelu / mish, fp16).
import { describe, expect, it } from 'vitest';
import { createBackend, float32, randn } from '@sana/core';
import { fromDiffusersConfig } from './config.js';
import { DcAeDecoder, DcAeEncoder } from './dc-ae.js';
import { randomDcAeWeights } from './weights.js';

const config = fromDiffusersConfig({
  latent_channels: 4, attention_head_dim: 4, encoder_block_out_channels: [4, 8, 8], decoder_block_out_channels: [4, 8, 8],
  encoder_block_types: 'EfficientViTBlock', decoder_block_types: ['ResBlock', 'ResBlock', 'EfficientViTBlock'],
  encoder_layers_per_block: [0, 1, 1], decoder_layers_per_block: [0, 1, 2], encoder_qkv_multiscales: [[], [3], [3, 5]], decoder_qkv_multiscales: [[], [], [3]],
  decoder_norm_types: ['rms_norm', 'batch_norm', 'batch_norm'], decoder_act_fns: ['gelu', 'mish', 'relu'], decoder_conv_act_fn: 'silu',
  upsample_block_type: 'pixel_shuffle', downsample_block_type: 'pixel_unshuffle', encoder_out_shortcut: false, decoder_in_shortcut: false,
});

describe('graphs for other configs', () => {
  it('stage 0 without layers (conv_in / conv_out as resampling blocks), gelu / mish, two scales, no shortcuts', async () => {
    const backend = await createBackend('cpu');
    const weights = randomDcAeWeights(config, { seed: 1 });
    expect(weights.info('encoder.conv_in.conv.weight').shape).toEqual([2, 3, 3, 3]); // 8 / 4 channels, then unshuffle
    expect(weights.info('decoder.conv_out.conv.weight').shape).toEqual([12, 8, 3, 3]); // 3 * 4 channels, then shuffle
    const enc = await DcAeEncoder.create(backend, config, weights);
    const z = await enc.encode(float32(randn([2, 3, 16, 24], 2), [2, 3, 16, 24]));
    expect(z.dims).toEqual([2, 4, 4, 6]);
    const dec32 = await DcAeDecoder.create(backend, config, weights);
    const dec16 = await DcAeDecoder.create(backend, config, weights, { floatType: 'float16' });
    const a = await dec32.decode(z);
    const b = await dec16.decode(z);
    expect(a.dims).toEqual([2, 3, 16, 24]);
    expect(a.data.every(Number.isFinite)).toBe(true);
    const maxRef = Math.max(...a.data.map(Math.abs));
    expect(Math.max(...b.data.map((v, i) => Math.abs(v - a.data[i]))) / maxRef).toBeLessThan(2e-2);
    await Promise.all([enc.release(), dec32.release(), dec16.release()]);
  });
});
