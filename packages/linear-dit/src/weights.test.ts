import { describe, expect, it } from 'vitest';
import { SafetensorsFile, WeightError, floatTensor, serializeSafetensors, tensor, type Tensor } from '@sana/core';
import { SANA_600M_1024PX, SANA_SPRINT_600M_1024PX, type SanaTransformerConfig } from './config.js';
import { RandomWeights, checkWeights, expectedWeights } from './weights.js';

const TINY: SanaTransformerConfig = {
  ...SANA_600M_1024PX, numAttentionHeads: 2, attentionHeadDim: 8, numLayers: 1, numCrossAttentionHeads: 2,
  crossAttentionHeadDim: 8, crossAttentionDim: 16, captionChannels: 12, inChannels: 4, outChannels: 4,
};

/** A safetensors file with every tensor the config needs, then edited. */
async function store(c: SanaTransformerConfig, edit: (t: Record<string, Tensor>) => void = () => {}) {
  const t: Record<string, Tensor> = {};
  for (const [k, s] of expectedWeights(c)) t[k] = floatTensor(new Float32Array(s.reduce((a, b) => a * b, 1)), s);
  edit(t);
  return SafetensorsFile.fromBytes(serializeSafetensors(t), 'ckpt.safetensors');
}

describe('checkpoint layout', () => {
  it('names the diffusers keys, with the Sprint and qk-norm ones only when configured', () => {
    const base = expectedWeights(SANA_600M_1024PX);
    expect(base.get('transformer_blocks.27.ff.conv_depth.weight')).toEqual([5760, 1, 3, 3]);
    expect(base.get('time_embed.emb.timestep_embedder.linear_1.weight')).toEqual([1152, 256]);
    expect(base.has('transformer_blocks.0.attn1.norm_q.weight')).toBe(false);
    expect(base.has('transformer_blocks.0.attn1.to_q.bias')).toBe(false);
    const sprint = expectedWeights(SANA_SPRINT_600M_1024PX);
    expect(sprint.get('time_embed.guidance_embedder.linear_2.weight')).toEqual([1152, 1152]);
    expect(sprint.get('transformer_blocks.0.attn2.norm_k.weight')).toEqual([1152]);
    expect(sprint.has('time_embed.emb.timestep_embedder.linear_1.weight')).toBe(false);
  });

  it('accepts a complete checkpoint', async () => {
    const s = await store(TINY);
    expect(() => checkWeights(TINY, s)).not.toThrow();
  });

  it('refuses a missing tensor, naming the key and the shape the config needs', async () => {
    const s = await store(TINY, (t) => { delete t['transformer_blocks.0.attn2.to_v.bias']; });
    expect(() => checkWeights(TINY, s)).toThrow(WeightError);
    expect(() => checkWeights(TINY, s)).toThrow('ckpt.safetensors: tensor "transformer_blocks.0.attn2.to_v.bias" is missing; the config needs shape [16]');
  });

  it('refuses a mis-shaped tensor, naming the key and both shapes', async () => {
    const s = await store(TINY, (t) => { t['caption_projection.linear_1.weight'] = floatTensor(new Float32Array(16 * 10), [16, 10]); });
    expect(() => checkWeights(TINY, s)).toThrow('tensor "caption_projection.linear_1.weight" has shape [16, 10]; the config needs [16, 12]');
  });

  it('refuses an extra tensor and a non-float dtype', async () => {
    const extra = await store(TINY, (t) => { t['transformer_blocks.1.scale_shift_table'] = floatTensor(new Float32Array(96), [6, 16]); });
    expect(() => checkWeights(TINY, extra)).toThrow('tensor "transformer_blocks.1.scale_shift_table" is not a tensor of SanaTransformer2DModel with this config');
    const ints = await store(TINY, (t) => { t.scale_shift_table = tensor('int32', new Int32Array(32), [2, 16]); });
    expect(() => checkWeights(TINY, ints)).toThrow('tensor "scale_shift_table" has dtype int32');
  });

  it('random weights are deterministic per key and seed, and shaped like the checkpoint', async () => {
    const a = new RandomWeights(TINY, 7);
    expect(() => checkWeights(TINY, a)).not.toThrow();
    const k = 'transformer_blocks.0.attn1.to_q.weight';
    const x = await a.getFloat32(k);
    expect(x.length).toBe(256);
    expect([...(await new RandomWeights(TINY, 7).getFloat32(k))]).toEqual([...x]);
    expect([...(await new RandomWeights(TINY, 8).getFloat32(k))]).not.toEqual([...x]);
    expect(Math.max(...x.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(16));
    expect(Math.min(...(await a.getFloat32('caption_norm.weight')))).toBeGreaterThan(0.89);
    expect(() => a.info('nope')).toThrow(WeightError);
  });
});
