import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@sana/core';
import { DC_AE_F32C32_SANA_1_0, compressionRatio, fromDiffusersConfig } from './config.js';

const ref = (p: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../../fixtures/reference/${p}`, import.meta.url)), 'utf8'));
const official = ref('configs/vae.dc-ae-f32c32-sana-1.0.json');

describe('fromDiffusersConfig', () => {
  it('reads the official f32c32 config as the preset', () => {
    expect(fromDiffusersConfig(official)).toEqual(DC_AE_F32C32_SANA_1_0);
    expect(compressionRatio(DC_AE_F32C32_SANA_1_0)).toBe(32);
  });

  it('expands per-stage strings and keeps per-stage lists (vae-shuffle fixture)', () => {
    const c = fromDiffusersConfig(ref('vae-shuffle/config.json'));
    expect(c.decoderNormTypes).toEqual(['batch_norm', 'batch_norm', 'batch_norm', 'rms_norm', 'rms_norm', 'rms_norm']);
    expect(c.decoderActFns.slice(0, 3)).toEqual(['relu', 'relu', 'relu']);
    expect(c.upsampleBlockType).toBe('pixel_shuffle');
    expect(c.downsampleBlockType).toBe('pixel_unshuffle');
    const s = fromDiffusersConfig(ref('sana/vae/config.json'));
    expect(s.decoderActFns).toEqual(Array(6).fill('silu'));
  });

  const bad: [string, Record<string, unknown>][] = [
    ['latent_channels', { latent_channels: 0 }],
    ['decoder_act_fns', { decoder_act_fns: 'relu6' }],
    ['decoder_norm_types', { decoder_norm_types: ['rms_norm'] }],
    ['encoder_layers_per_block', { encoder_layers_per_block: [2, 2, 2] }],
    ['encoder_qkv_multiscales[3]', { encoder_qkv_multiscales: [[], [], [], [4], [5], [5]] }],
    ['upsample_block_type', { upsample_block_type: 'bilinear' }],
    ['scaling_factor', { scaling_factor: -1 }],
    ['decoder_block_out_channels', { decoder_block_out_channels: [128, 256] }],
    ['latent_channels', { latent_channels: 48 }],
    ['encoder_block_out_channels[1]', { encoder_block_out_channels: [128, 384, 512, 512, 1024, 1024] }],
    ['_class_name', { _class_name: 'AutoencoderKL' }],
    ['encoder_out_shortcut', { encoder_out_shortcut: 'yes' }],
  ];
  for (const [field, patch] of bad) {
    it(`names the field: ${field}`, () => {
      let err: unknown;
      try { fromDiffusersConfig({ ...official, ...patch }, 'vae/config.json'); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(field);
      expect((err as Error).message).toContain('vae/config.json');
    });
  }

  it('refuses a non-object', () => {
    expect(() => fromDiffusersConfig([])).toThrow(ConfigError);
  });
});
