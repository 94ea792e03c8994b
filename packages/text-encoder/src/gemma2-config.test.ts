import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@sana/core';
import { GEMMA_2_2B, fromDiffusersConfig, gemma2ParamCount } from './gemma2-config.js';

const ref = (p: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../../fixtures/reference/${p}`, import.meta.url)), 'utf8'));

describe('Gemma-2 config', () => {
  it('the preset is what the official config.json reads as', () => {
    expect(fromDiffusersConfig(ref('configs/text_encoder.gemma-2-2b.json'))).toEqual(GEMMA_2_2B);
  });

  it('reads the fixture config (transformers 5 layer_types, rope_parameters)', () => {
    const c = fromDiffusersConfig(ref('sana/text_encoder/config.json'));
    expect(c).toMatchObject({ hiddenSize: 64, numKeyValueHeads: 2, headDim: 16, slidingWindow: 24, queryPreAttnScalar: 16, attnLogitSoftcapping: 50, ropeTheta: 10000 });
    expect(c.layerTypes).toEqual(['sliding_attention', 'full_attention']);
  });

  it('falls back to even-layers-slide and flat rope_theta for transformers 4 configs', () => {
    const j = ref('sana/text_encoder/config.json');
    delete j.layer_types; delete j.rope_parameters; j.rope_theta = 5000;
    const c = fromDiffusersConfig(j);
    expect(c.layerTypes).toEqual(['sliding_attention', 'full_attention']);
    expect(c.ropeTheta).toBe(5000);
  });

  it('counts 2.61B parameters for Gemma-2-2B', () => {
    expect(gemma2ParamCount(GEMMA_2_2B)).toBe(2_614_341_888);
  });

  it.each([
    ['hidden_size', (j: Record<string, unknown>) => { delete j.hidden_size; }],
    ['model_type', (j: Record<string, unknown>) => { j.model_type = 'llama'; }],
    ['layer_types', (j: Record<string, unknown>) => { j.layer_types = ['full_attention']; }],
    ['num_key_value_heads', (j: Record<string, unknown>) => { j.num_key_value_heads = 3; }],
    ['hidden_activation', (j: Record<string, unknown>) => { j.hidden_activation = 'silu'; }],
    ['rope_parameters.rope_type', (j: Record<string, unknown>) => { j.rope_parameters = { rope_type: 'yarn', rope_theta: 1 }; }],
  ])('a bad %s is a ConfigError naming it', (field, spoil) => {
    const j = ref('sana/text_encoder/config.json');
    spoil(j);
    const err = (() => { try { fromDiffusersConfig(j, 'cfg.json'); } catch (e) { return e; } })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.field).toBe(field);
    expect(err.message).toContain('cfg.json');
  });
});
