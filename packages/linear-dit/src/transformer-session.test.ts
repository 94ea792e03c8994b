import { describe, expect, it } from 'vitest';
import { ArgumentError, float32ToFloat16, tensor, type Session, type Tensor } from '@sana/core';
import { SANA_600M_1024PX, SANA_SPRINT_600M_1024PX, type SanaTransformerConfig } from './config.js';
import { SanaTransformer, transformerFeeds } from './transformer-session.js';

const P2: SanaTransformerConfig = { ...SANA_600M_1024PX, patchSize: 2 };
const f32 = (dims: number[], v = 0) => tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(v), dims);
const ok = { hiddenStates: f32([2, 32, 4, 6]), timestep: 999, encoderHiddenStates: f32([2, 7, 2304]) };

describe('transformer inputs', () => {
  it('builds the feeds: per-batch timestep, default mask of ones, float type conversion', () => {
    const feeds = transformerFeeds(SANA_600M_1024PX, 'float16', { ...ok, timestep: tensor('float32', Float32Array.from([5]), [1]) });
    expect(Object.keys(feeds).sort()).toEqual(['encoder_attention_mask', 'encoder_hidden_states', 'hidden_states', 'timestep']);
    expect([...(feeds.timestep.data as Float32Array)]).toEqual([5, 5]);
    expect(feeds.encoder_attention_mask.dims).toEqual([2, 7]);
    expect((feeds.encoder_attention_mask.data as Float32Array).every((v) => v === 1)).toBe(true);
    expect(feeds.hidden_states.dtype).toBe('float16');
    const mask = tensor('int64', new BigInt64Array(14).fill(1n), [2, 7]);
    expect(transformerFeeds(SANA_600M_1024PX, 'float32', { ...ok, encoderAttentionMask: mask }).encoder_attention_mask.dtype).toBe('float32');
  });

  it('refuses latents of the wrong channel count or a size that does not fit the patch size', () => {
    const feed = (c: SanaTransformerConfig, x: Tensor) => () => transformerFeeds(c, 'float32', { ...ok, hiddenStates: x });
    expect(feed(SANA_600M_1024PX, f32([2, 16, 4, 6]))).toThrow(ArgumentError);
    expect(feed(SANA_600M_1024PX, f32([2, 16, 4, 6]))).toThrow('hiddenStates: has 16 channels (shape [2, 16, 4, 6]); this transformer takes in_channels = 32');
    expect(feed(P2, f32([2, 32, 5, 6]))).toThrow('hiddenStates: latent size 5x6 (shape [2, 32, 5, 6]) is not a positive multiple of patch_size 2');
    expect(feed(SANA_600M_1024PX, f32([32, 4, 6]))).toThrow('hiddenStates: has shape [32, 4, 6]; expected [batch, 32, height, width]');
    expect(feed(P2, f32([2, 32, 4, 6]))).not.toThrow();
  });

  it('refuses text, mask, timestep and guidance that do not match', () => {
    const feed = (patch: object, c = SANA_600M_1024PX) => () => transformerFeeds(c, 'float32', { ...ok, ...patch });
    expect(feed({ encoderHiddenStates: f32([2, 7, 2048]) })).toThrow('encoderHiddenStates: has shape [2, 7, 2048]; expected [2, text_len, 2304]');
    expect(feed({ encoderHiddenStates: f32([1, 7, 2304]) })).toThrow('encoderHiddenStates: has shape [1, 7, 2304]');
    expect(feed({ encoderAttentionMask: f32([2, 8]) })).toThrow('encoderAttentionMask: has shape [2, 8]; expected [2, 7]');
    expect(feed({ timestep: f32([3]) })).toThrow('timestep: has shape [3]; expected [2]');
    expect(feed({ timestep: NaN })).toThrow('timestep: must be a finite number');
    expect(feed({ guidance: 4.5 })).toThrow('guidance: was given, but this transformer has no guidance embedding');
    expect(feed({}, SANA_SPRINT_600M_1024PX)).toThrow('guidance: is required');
    expect(transformerFeeds(SANA_SPRINT_600M_1024PX, 'float32', { ...ok, guidance: 0.45 }).guidance.dims).toEqual([2]);
    expect(feed({ hiddenStates: tensor('int32', new Int32Array(2 * 32 * 24), [2, 32, 4, 6]) })).toThrow('hiddenStates: has dtype int32');
  });

  it('forward validates before the session runs and returns sample', async () => {
    const seen: string[][] = [];
    const session = {
      inputNames: [], outputNames: ['sample'], inputs: [],
      run: async (feeds: Record<string, Tensor>) => { seen.push(Object.keys(feeds)); return { sample: f32([2, 32, 4, 6], 1) }; },
      release: async () => {},
    } as unknown as Session;
    const dit = new SanaTransformer(session, SANA_600M_1024PX, 'float16');
    await expect(dit.forward({ ...ok, hiddenStates: f32([2, 8, 4, 6]) })).rejects.toThrow(ArgumentError);
    expect(seen).toEqual([]);
    const half = tensor('float16', float32ToFloat16(new Float32Array(2 * 32 * 24)), [2, 32, 4, 6]);
    expect((await dit.forward({ ...ok, hiddenStates: half })).dims).toEqual([2, 32, 4, 6]);
    expect(seen.length).toBe(1);
  });
});
