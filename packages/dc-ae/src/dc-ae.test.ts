import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, WeightError, createBackend, float32, openSafetensors, type Backend, type WeightStore } from '@sana/core';
import type { DcAeConfig } from './config.js';
import { DcAeDecoder, DcAeEncoder } from './dc-ae.js';
import { buildDecoderGraph } from './graphs.js';
import { RMS_NORM_MODES } from './layers.js';
import { openDcAeFolder } from './node.js';
import { MemoryWeights } from './weights.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/reference/', import.meta.url));
let backend: Backend;
let config: DcAeConfig;
let weights: WeightStore;
let ref: WeightStore;
let close: () => Promise<void>;

beforeAll(async () => {
  backend = await createBackend('cpu');
  ({ config, weights, close } = await openDcAeFolder(`${fixtures}sana/vae`));
  ref = await openSafetensors(`${fixtures}reference.safetensors`);
});

afterAll(async () => {
  await close();
  await (ref as { close?: () => Promise<void> }).close?.();
});

const get = async (k: string) => float32(await ref.getFloat32(k), ref.info(k).shape);

describe('DcAeDecoder / DcAeEncoder', () => {
  it('refuses latents with the wrong channel count, naming the expected shape', async () => {
    const dec = await DcAeDecoder.create(backend, config, weights);
    const bad = float32(new Float32Array(1 * 4 * 4 * 6), [1, 4, 4, 6]);
    await expect(dec.decode(bad)).rejects.toThrow(ArgumentError);
    await expect(dec.decode(bad)).rejects.toThrow(/latents: has 4 channels .* latent_channels 8: expected \[batch, 8, height, width\]/);
    await expect(dec.decodeTiled(bad)).rejects.toThrow(/has 4 channels/);
    await expect(dec.decode(float32(new Float32Array(8 * 4), [8, 4]))).rejects.toThrow(/expected 4 dimensions/);
    await dec.release();
  });

  it('refuses an image size that is not a multiple of 32, naming the size and the ratio', async () => {
    const enc = await DcAeEncoder.create(backend, config, weights);
    const odd = float32(new Float32Array(3 * 100 * 64), [1, 3, 100, 64]);
    await expect(enc.encode(odd)).rejects.toThrow(ArgumentError);
    await expect(enc.encode(odd)).rejects.toThrow(/image: is 100x64 .* multiples of the compression ratio 32/);
    await expect(enc.encode(float32(new Float32Array(4 * 64 * 64), [1, 4, 64, 64]))).rejects.toThrow(/has 4 channels/);
    await enc.release();
  });

  it('fromSession refuses a session of the other part', async () => {
    const enc = await DcAeEncoder.create(backend, config, weights);
    expect(() => DcAeDecoder.fromSession(config, enc.session)).toThrow(/session: is not a DC-AE decoder: it has inputs \[image\]/);
    expect(DcAeEncoder.fromSession(config, enc.session)).toBeInstanceOf(DcAeEncoder);
    await enc.release();
  });

  it('names a missing tensor when the graph is built', async () => {
    const all = new Map<string, never>();
    for (const k of weights.keys()) all.set(k, await weights.get(k) as never);
    all.delete('decoder.norm_out.bias');
    await expect(buildDecoderGraph(config, new MemoryWeights('vae.safetensors', all))).rejects.toThrow(WeightError);
    await expect(buildDecoderGraph(config, new MemoryWeights('vae.safetensors', all))).rejects.toThrow(/vae.safetensors: tensor "decoder.norm_out.bias" is missing; the config needs shape \[8\]/);
  });

  it('matches the fixture (encode and decode) and decodes diffusion-space latents with diffusionSpace', async () => {
    const enc = await DcAeEncoder.create(backend, config, weights);
    const z = await enc.encode(await get('vae.image'));
    expect(z.dims).toEqual([1, 8, 4, 6]);
    const want = await ref.getFloat32('vae.latent');
    const maxRef = Math.max(...want.map(Math.abs));
    expect(Math.max(...z.data.map((v, i) => Math.abs(v - want[i]))) / maxRef).toBeLessThan(1e-4);
    const raw = await DcAeDecoder.create(backend, config, weights);
    const scaled = await DcAeDecoder.create(backend, config, weights, { diffusionSpace: true });
    const zIn = await get('vae.z');
    const a = await raw.decode(zIn);
    expect(a.dims).toEqual([1, 3, 128, 192]);
    // diffusion-space input z * scaling_factor must give the raw decode of z
    const b = await scaled.decode(float32(zIn.data.map((v) => v * config.scalingFactor), zIn.dims));
    expect(Math.max(...b.data.map((v, i) => Math.abs(v - a.data[i])))).toBeLessThan(1e-5);
    await Promise.all([enc.release(), raw.release(), scaled.release()]);
  });
});

// The `rmsNorm` graph variants compute the default RMSNorm: fp32 parity on the fixture VAE, node structure, option errors.
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('DC-AE rmsNorm variants', () => {
  it('every mode decodes and encodes like the default fp32 graph within 1e-5', async () => {
    const z = await get('vae.z');
    const image = await get('vae.image');
    const base = await DcAeDecoder.create(backend, config, weights, { threads: 1 });
    const baseEnc = await DcAeEncoder.create(backend, config, weights, { threads: 1 });
    const want = (await base.decode(z)).data;
    const wantZ = (await baseEnc.encode(image)).data;
    const report: Record<string, { decode: number; encode: number }> = {};
    for (const rmsNorm of RMS_NORM_MODES) {
      const dec = await DcAeDecoder.create(backend, config, weights, { threads: 1, rmsNorm });
      const enc = await DcAeEncoder.create(backend, config, weights, { threads: 1, rmsNorm });
      report[rmsNorm] = { decode: maxAbsDiff((await dec.decode(z)).data, want), encode: maxAbsDiff((await enc.encode(image)).data, wantZ) };
      expect(report[rmsNorm].decode, rmsNorm).toBeLessThan(1e-5);
      expect(report[rmsNorm].encode, rmsNorm).toBeLessThan(1e-5);
      await Promise.all([dec.release(), enc.release()]);
    }
    console.log('DC-AE rmsNorm modes vs default (fp32 CPU, max abs):', JSON.stringify(report));
    await Promise.all([base.release(), baseEnc.release()]);
  });

  it("fp16 graphs: 'fp16' drops the Cast pair of every RMSNorm, 'simplified' makes each one node; both stay close", async () => {
    const count = async (rmsNorm: 'fp32' | 'fp16' | 'simplified', op: string) =>
      (await buildDecoderGraph(config, weights, { floatType: 'float16', rmsNorm })).nodes.filter((n) => n.opType === op).length;
    const norms = [...(await buildDecoderGraph(config, weights)).nodes].filter((n) => n.opType === 'ReduceMean' && n.name.includes('norm')).length;
    expect(norms).toBeGreaterThan(0);
    expect(await count('fp16', 'Cast')).toBe((await count('fp32', 'Cast')) - 2 * norms);
    expect(await count('simplified', 'SimplifiedLayerNormalization')).toBe(norms);
    const z = await get('vae.z');
    const want = (await (await DcAeDecoder.create(backend, config, weights)).decode(z)).data;
    const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (const rmsNorm of RMS_NORM_MODES) {
      const dec = await DcAeDecoder.create(backend, config, weights, { floatType: 'float16', rmsNorm });
      const got = (await dec.decode(z)).data;
      expect(got.every(Number.isFinite), rmsNorm).toBe(true);
      expect(maxAbsDiff(got, want) / scale, rmsNorm).toBeLessThan(2e-2);
      await dec.release();
    }
  });

  it('refuses an unknown mode, naming the option', async () => {
    await expect(buildDecoderGraph(config, weights, { rmsNorm: 'layer' as never })).rejects.toThrow(ArgumentError);
    await expect(buildDecoderGraph(config, weights, { rmsNorm: 'layer' as never })).rejects.toThrow(/rmsNorm: is "layer"; expected one of 'fp32', 'fp16', 'simplified'/);
  });
});
