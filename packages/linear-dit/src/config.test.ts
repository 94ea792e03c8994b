import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@sana/core';
import { SANA_600M_1024PX, TRANSFORMER_PRESETS, ffnHiddenDim, fromDiffusersConfig, innerDim } from './config.js';
import { countParameters } from './weights.js';

const CONFIGS = fileURLToPath(new URL('../../../fixtures/reference/configs/', import.meta.url));
const official = (name: string) => JSON.parse(readFileSync(`${CONFIGS}transformer.${name}.json`, 'utf8'));

describe('transformer config', () => {
  it('each preset equals its official config.json', () => {
    for (const [name, preset] of Object.entries(TRANSFORMER_PRESETS)) {
      expect(fromDiffusersConfig(official(name), name), name).toEqual(preset);
    }
  });

  it('has the parameter counts of the presets comments (0.6B and 1.6B)', () => {
    expect(countParameters(TRANSFORMER_PRESETS.Sana_600M_1024px)).toBe(591_747_872);
    expect(countParameters(TRANSFORMER_PRESETS.Sana_1600M_1024px)).toBe(1_604_462_752);
    expect(countParameters(TRANSFORMER_PRESETS.Sana_1600M_4Kpx)).toBe(1_604_462_752);
    expect(countParameters(TRANSFORMER_PRESETS['Sana_1.5_1600M_1024px'])).toBe(1_604_641_952);
    expect(countParameters(TRANSFORMER_PRESETS.Sana_Sprint_600M_1024px)).toBe(593_501_216);
  });

  it('derives the widths as diffusers does', () => {
    expect(innerDim(SANA_600M_1024PX)).toBe(1152);
    expect(ffnHiddenDim(SANA_600M_1024PX)).toBe(2880);
    expect(ffnHiddenDim({ ...SANA_600M_1024PX, mlpRatio: 2.5, numAttentionHeads: 1, attentionHeadDim: 3 })).toBe(7); // int(7.5)
  });

  it('fills diffusers defaults for missing fields and out_channels null', () => {
    const c = fromDiffusersConfig({ cross_attention_dim: 2240, out_channels: null, in_channels: 16 });
    expect(c.numAttentionHeads).toBe(70);
    expect(c.outChannels).toBe(16);
    expect(c.interpolationScale).toBeNull();
    expect(c.timestepScale).toBe(1);
  });

  it('names the field that is wrong', () => {
    const base = official('Sana_600M_1024px');
    const bad = (patch: Record<string, unknown>) => () => fromDiffusersConfig({ ...base, ...patch }, 'transformer/config.json');
    expect(bad({ num_layers: 2.5 })).toThrow(ConfigError);
    expect(bad({ num_layers: 2.5 })).toThrow('transformer/config.json: field "num_layers" must be an integer >= 1; got 2.5');
    expect(bad({ qk_norm: 'layer_norm' })).toThrow('field "qk_norm" is "layer_norm"');
    expect(bad({ cross_attention_dim: 2304 })).toThrow(/field "cross_attention_dim" is 2304; it must equal .* 1152/);
    expect(bad({ interpolation_scale: 'big' })).toThrow('field "interpolation_scale"');
    expect(bad({ guidance_embeds: 1 })).toThrow('field "guidance_embeds" must be true or false');
    expect(bad({ _class_name: 'AutoencoderDC' })).toThrow('field "_class_name"');
    expect(bad({ patch_size: 3 })).toThrow('field "sample_size" (32) must be a multiple of patch_size (3)');
    expect(() => fromDiffusersConfig([1, 2])).toThrow('field "(root)" must be a JSON object');
  });
});
