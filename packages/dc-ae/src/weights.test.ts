import { describe, expect, it } from 'vitest';
import { WeightError, tensor } from '@sana/core';
import { DC_AE_F32C32_SANA_1_0, fromDiffusersConfig } from './config.js';
import { MemoryWeights, loadPartWeights, parameterCount, randomDcAeWeights, weightSpec } from './weights.js';

// The vae-shuffle fixture layout at a tiny width: batch-norm decoder stages, pixel (un)shuffle sampling.
const tiny = fromDiffusersConfig({
  latent_channels: 4, attention_head_dim: 4, encoder_block_out_channels: [4, 8, 8], decoder_block_out_channels: [4, 8, 8],
  encoder_block_types: ['ResBlock', 'EfficientViTBlock', 'EfficientViTBlock'], decoder_block_types: ['ResBlock', 'EfficientViTBlock', 'EfficientViTBlock'],
  encoder_layers_per_block: [1, 1, 1], decoder_layers_per_block: [1, 1, 1], encoder_qkv_multiscales: [[], [3], [3]], decoder_qkv_multiscales: [[], [3], [3]],
  decoder_norm_types: ['batch_norm', 'rms_norm', 'rms_norm'], upsample_block_type: 'pixel_shuffle', downsample_block_type: 'pixel_unshuffle',
});

const errorOf = async (p: Promise<unknown>) => p.then(() => undefined, (e) => e as WeightError);

describe('loadPartWeights (strict)', () => {
  const full = randomDcAeWeights(tiny);

  it('loads every tensor of the spec', async () => {
    const { weights } = await loadPartWeights(full, tiny, 'decoder');
    expect([...weights.keys()].sort()).toEqual([...weightSpec(tiny, 'decoder').keys()].sort());
  });

  it('names a missing tensor and the shape it needs', async () => {
    const e = await errorOf(loadPartWeights(full.without('decoder.up_blocks.1.1.attn.to_q.weight'), tiny, 'decoder'));
    expect(e).toBeInstanceOf(WeightError);
    expect(e!.key).toBe('decoder.up_blocks.1.1.attn.to_q.weight');
    expect(e!.message).toMatch(/is missing; the config needs shape \[8, 8\]/);
  });

  it('names a mis-shaped tensor with both shapes', async () => {
    const m = new Map<string, never>();
    for (const k of full.keys()) m.set(k, await full.get(k) as never);
    m.set('encoder.conv_in.weight', tensor('float32', new Float32Array(4 * 3 * 5 * 5), [4, 3, 5, 5]) as never);
    const e = await errorOf(loadPartWeights(new MemoryWeights('bad.safetensors', m), tiny, 'encoder'));
    expect(e!.key).toBe('encoder.conv_in.weight');
    expect(e!.message).toContain('bad.safetensors');
    expect(e!.message).toMatch(/\[4, 3, 5, 5\] but the config needs \[4, 3, 3, 3\]/);
  });

  it('refuses an unknown tensor of the part, ignores the other part and BatchNorm counters', async () => {
    const m = new Map<string, never>();
    for (const k of full.keys()) m.set(k, await full.get(k) as never);
    m.set('decoder.up_blocks.0.1.norm.num_batches_tracked', tensor('int64', new BigInt64Array(1), []) as never);
    await expect(loadPartWeights(new MemoryWeights('x', m), tiny, 'decoder')).resolves.toBeDefined();
    await expect(loadPartWeights(new MemoryWeights('x', m), tiny, 'encoder')).resolves.toBeDefined();
    m.set('decoder.up_blocks.0.9.conv1.weight', tensor('float32', new Float32Array(1), [1]) as never);
    const e = await errorOf(loadPartWeights(new MemoryWeights('x', m), tiny, 'decoder'));
    expect(e!.key).toBe('decoder.up_blocks.0.9.conv1.weight');
    expect(e!.message).toContain('unexpected tensor');
  });

  it('counts the f32c32 parameters', () => {
    expect(Math.round(parameterCount(DC_AE_F32C32_SANA_1_0, 'encoder') / 1e5) / 10).toBe(153.0);
    expect(Math.round(parameterCount(DC_AE_F32C32_SANA_1_0, 'decoder') / 1e5) / 10).toBe(159.2);
  });

  it('spec keys follow the checkpoint layout (decoder stage order, upsample block first)', () => {
    const spec = weightSpec(tiny, 'decoder');
    expect(spec.get('decoder.up_blocks.0.0.conv.weight')).toEqual([16, 8, 3, 3]); // pixel_shuffle: 4 * cout
    expect(spec.get('decoder.up_blocks.0.1.norm.running_var')).toEqual([4]);
    expect(spec.has('decoder.up_blocks.2.0.attn.to_qkv_multiscale.0.proj_out.weight')).toBe(true);
    expect(weightSpec(tiny, 'encoder').get('encoder.down_blocks.0.1.conv.weight')).toEqual([2, 4, 3, 3]); // unshuffle: cout / 4
  });
});
