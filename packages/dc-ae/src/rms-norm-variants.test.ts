// The `rmsNorm` graph variants compute the default RMSNorm: fp32 parity on the fixture VAEs, node structure, option errors.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, createBackend, float32, openSafetensors, type Backend, type WeightStore } from '@sana/core';
import type { DcAeConfig } from './config.js';
import { DcAeDecoder, DcAeEncoder } from './dc-ae.js';
import { buildDecoderGraph } from './graphs.js';
import { RMS_NORM_MODES } from './layers.js';
import { openDcAeFolder } from './node.js';

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
