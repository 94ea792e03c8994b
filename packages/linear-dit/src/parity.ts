// Parity group `dit`: the transformer graph on ORT CPU against diffusers, for Sana 1.0, Sana 1.5 (qk-norm) and sin-cos PE.
import { createBackend, float16ToFloat32, openComponentWeights, serializeModel, tensor, type ParityGroup } from '@sana/core';
import { readTransformerConfig } from './node.js';
import { buildTransformerGraph } from './sana-transformer.js';
import { SanaTransformer } from './transformer-session.js';

/** Checkpoint folder (in the fixture) and the reference output key. */
const CASES = [
  { dir: 'sana/transformer', key: 'dit.out' },
  { dir: 'transformer-sana15', key: 'dit15.out' },
  { dir: 'transformer-pe', key: 'ditpe.out' },
] as const;

/** fp32: the fixtures' component tolerance. fp16: weights and activations rounded to 11 bits (2^-11 = 4.9e-4 per rounding; measured ~5e-4 on the fixtures), so 5e-3. */
const TOL_FP32 = 1e-4;
const TOL_FP16 = 5e-3;

export const ditParity: ParityGroup = {
  name: 'dit',
  async run(fx, report) {
    const backend = await createBackend('cpu');
    const get = async (k: string) => tensor('float32', await fx.tensors.getFloat32(k), fx.tensors.info(k).shape);
    const inputs = {
      hiddenStates: await get('dit.x'),
      timestep: await get('dit.t'),
      encoderHiddenStates: await get('prompt.embeds'),
      encoderAttentionMask: await get('prompt.mask'),
    };
    for (const c of CASES) {
      const dir = fx.path(c.dir);
      const config = await readTransformerConfig(dir);
      const weights = await openComponentWeights(dir, 'diffusion_pytorch_model');
      const ref = await fx.tensors.getFloat32(c.key);
      for (const floatType of ['float32', 'float16'] as const) {
        const graph = await buildTransformerGraph(config, weights, { floatType });
        const session = await backend.createSession(serializeModel(graph).model, { label: c.dir });
        const dit = new SanaTransformer(session, config, floatType);
        const out = await dit.forward(inputs);
        const got = out.dtype === 'float16' ? float16ToFloat32(out.data as Uint16Array) : (out.data as Float32Array);
        const fp16 = floatType === 'float16';
        report.compare(fp16 ? `${c.key} (fp16 graph)` : c.key, got, ref, 'relmax', fp16 ? TOL_FP16 : TOL_FP32);
        await dit.release();
      }
      await (weights as { close?: () => Promise<void> }).close?.();
    }
  },
};
