// The pass on the reference fixtures: the DiT's kept layers, per-component errors, and the whole pipeline's PSNR.
import { describe, expect, it } from 'vitest';
import { compareArrays, createBackend, float16ToFloat32, openComponentWeights, openFixture, serializeModel, tensor } from '@sana/core';
import { SanaTransformer, buildTransformerGraph, fromDiffusersConfig } from '@sana/linear-dit';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantizeGraph } from './quantize.js';
import { componentErrors, psnr } from './quality.js';
import { fixtureImage } from './quality-pipeline.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/reference/', import.meta.url));

/**
 * The whole fixture pipeline (text encoder, 6 CFG steps of the DiT, DC-AE decoder) with dtype 'int8' against
 * fp32: measured 41.2 dB (all components INT8) and 47.8 dB (transformer only). 35 / 40 dB leave room for
 * other ORT builds; a broken quantization (a wrong scale, a transposed weight) lands far below 20 dB.
 */
const MIN_PSNR_ALL_INT8 = 35;
const MIN_PSNR_DIT_INT8 = 40;

describe('INT8 on the reference fixtures', () => {
  it('keeps the cross-attention K/V projections of every DiT block float (the paper policy) and quantizes the rest', async () => {
    const dir = join(FIXTURES, 'sana/transformer');
    const config = fromDiffusersConfig(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')));
    const g = await buildTransformerGraph(config, await openComponentWeights(dir, 'diffusion_pytorch_model'));
    const rep = quantizeGraph(g, { mode: 'cpu' });
    const kept = rep.keptFloat.map((k) => k.key).sort();
    const expected = Array.from({ length: config.numLayers }, (_, i) => [`transformer_blocks.${i}.attn2.to_k`, `transformer_blocks.${i}.attn2.to_v`]).flat().sort();
    expect(kept).toEqual(expected);
    for (const key of expected) {
      const node = g.nodes.find((n) => n.inputs[1] === `${key}.weight`);
      expect(node?.opType).toBe('MatMul'); // still the float MatMul, its weight read through the fp16 -> fp32 Cast
    }
    expect(rep.quantized.map((q) => q.key)).toContain('transformer_blocks.0.ff.conv_inverted');
    expect(rep.quantized.map((q) => q.key)).toContain('transformer_blocks.1.attn2.to_q');
    expect(rep.skipped.map((s) => s.key)).toEqual(['transformer_blocks.0.ff.conv_depth', 'transformer_blocks.1.ff.conv_depth']);
  });

  it('the webgpu form of the fp16 DiT graph (fp16 scales) runs on ORT CPU close to the reference', async () => {
    const fx = await openFixture(FIXTURES);
    const dir = fx.path('sana/transformer');
    const config = fromDiffusersConfig(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')));
    const g = await buildTransformerGraph(config, await openComponentWeights(dir, 'diffusion_pytorch_model'), { floatType: 'float16' });
    quantizeGraph(g, { mode: 'webgpu' });
    const session = await (await createBackend('cpu')).createSession(serializeModel(g).model);
    const get = async (k: string) => tensor('float32', await fx.tensors.getFloat32(k), fx.tensors.info(k).shape);
    const out = await new SanaTransformer(session, config, 'float16').forward({
      hiddenStates: await get('dit.x'), timestep: await get('dit.t'), encoderHiddenStates: await get('prompt.embeds'), encoderAttentionMask: await get('prompt.mask'),
    });
    await session.release();
    // Measured 6.5e-3 (fp16 rounding 5e-4 plus 8-bit weights).
    expect(compareArrays(float16ToFloat32(out.data as Uint16Array), await fx.tensors.getFloat32('dit.out'), 'relmax')).toBeLessThan(3e-2);
  });

  it('each component stays close to fp32 in every variant', async () => {
    const rows = await componentErrors(await openFixture(FIXTURES));
    // Measured (max err / max fp32): DiT 0.6-1.1e-2, text encoder 0.6-2.2e-2, DC-AE decoder 0.06-0.19 (this
    // random-weight decoder amplifies any weight perturbation: its fp16 graph is already off by 2.8e-3).
    const tol = { transformer: 3e-2, textEncoder: 4e-2, vae: 0.3 } as const;
    for (const r of rows) {
      if (r.variant === 'fp32') continue;
      expect(r.quantizedLayers, `${r.component} ${r.variant}`).toBeGreaterThan(0);
      expect(r.relmax, `${r.component} ${r.variant}`).toBeGreaterThan(0);
      expect(r.relmax, `${r.component} ${r.variant}`).toBeLessThan(tol[r.component]);
    }
  });

  it(`the fixture pipeline in int8 stays within ${MIN_PSNR_ALL_INT8} dB PSNR of fp32 (${MIN_PSNR_DIT_INT8} dB with only the DiT int8)`, async () => {
    const fx = await openFixture(FIXTURES);
    const fp32 = await fixtureImage(fx, 'fp32');
    const all = psnr(await fixtureImage(fx, 'int8'), fp32);
    const dit = psnr(await fixtureImage(fx, { transformer: 'int8' }), fp32);
    expect(all).toBeGreaterThan(MIN_PSNR_ALL_INT8);
    expect(Number.isFinite(all)).toBe(true); // really quantized
    expect(dit).toBeGreaterThan(MIN_PSNR_DIT_INT8);
    expect(dit).toBeGreaterThan(all);
  });
});
