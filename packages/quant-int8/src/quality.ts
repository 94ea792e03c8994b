// Quality of the INT8 pass on the reference fixtures: each component against the fp32 reference, and the
// whole pipeline's INT8 image against its fp32 image (PSNR). Node only (reads the fixture folder).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createBackend, float32, int64, openComponentWeights, serializeModel,
  type Fixture, type Graph, type Session,
} from '@sana/core';
import { buildDecoderGraph, fromDiffusersConfig as dcAeConfig, DC_AE_IO } from '@sana/dc-ae';
import { SanaTransformer, buildTransformerGraph, fromDiffusersConfig as ditConfig } from '@sana/linear-dit';
import { GEMMA2_IO, buildGemma2Graph, fromDiffusersConfig as gemmaConfig, loadGemma2Weights, takeOnce } from '@sana/text-encoder';
import type { Component } from './policy.js';
import { quantizeGraph, type QuantizeOptions } from './quantize.js';

/** The variants every report measures: fp32 (our graph, the baseline) and the pass's three forms. */
export const QUALITY_VARIANTS: readonly { readonly name: string; readonly options?: Omit<QuantizeOptions, 'component'> }[] = [
  { name: 'fp32' },
  { name: 'int8 cpu per-tensor', options: { mode: 'cpu', activations: 'per-tensor' } },
  { name: 'int8 cpu per-token', options: { mode: 'cpu', activations: 'per-token' } },
  { name: 'int8 webgpu form (MatMulNBits, run on ORT CPU)', options: { mode: 'webgpu' } },
];

export interface ErrorRow {
  readonly component: Component;
  readonly variant: string;
  /** The fixture key of the reference output. */
  readonly key: string;
  /** Against our fp32 graph's output (the error the pass adds): max |a - b|, mean |a - b|, max |a - b| / max |fp32|. */
  readonly maxAbs: number;
  readonly meanAbs: number;
  readonly relmax: number;
  /** max |a - b| / max |ref| against the fixture's reference (diffusers / transformers fp32). */
  readonly relmaxVsReference: number;
  readonly quantizedLayers: number;
}

/** max, mean and relmax error of `got` against `ref`. */
export function errorStats(got: ArrayLike<number>, ref: ArrayLike<number>): { maxAbs: number; meanAbs: number; relmax: number } {
  if (got.length !== ref.length) throw new Error(`internal: ${got.length} values against ${ref.length}`);
  let max = 0;
  let sum = 0;
  let refMax = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    if (!(d <= max)) max = d; // NaN propagates as the max
    sum += d;
    refMax = Math.max(refMax, Math.abs(ref[i]));
  }
  return { maxAbs: max, meanAbs: sum / ref.length, relmax: refMax > 0 ? max / refMax : max };
}

/**
 * PSNR in dB of two images with values in [0, 1]: 10 log10(1 / MSE) (Infinity when identical).
 * @example psnr(int8.pixels, fp32.pixels) // 38.2
 */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`internal: images of ${a.length} and ${b.length} values`);
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10(a.length / se);
}

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));
const get = async (fx: Fixture, key: string) => float32(await fx.tensors.getFloat32(key), fx.tensors.info(key).shape);

/** One component of the fixture checkpoint: how to build its graph and run it on the fixture inputs. */
export interface FixtureCase {
  readonly component: Component;
  readonly key: string;
  build(): Promise<Graph>;
  run(g: Graph): Promise<Float32Array>;
}

/** Opens `g` on ORT CPU, runs `fn` on the session, releases it. */
async function withSession<T>(g: Graph, fn: (s: Session) => Promise<T>): Promise<T> {
  const s = await (await createBackend('cpu')).createSession(serializeModel(g).model, { label: g.name });
  try {
    return await fn(s);
  } finally {
    await s.release();
  }
}

/** The three components of the fixture checkpoint `sana/`, each with its fixture inputs and reference output. */
export function fixtureCases(fx: Fixture): FixtureCase[] {
  const dit = fx.path('sana/transformer');
  const vae = fx.path('sana/vae');
  const te = fx.path('sana/text_encoder');
  return [
    {
      component: 'transformer', key: 'dit.out',
      build: async () => buildTransformerGraph(ditConfig(await readJson(join(dit, 'config.json'))), await openComponentWeights(dit, 'diffusion_pytorch_model')),
      run: async (g) => {
        const config = ditConfig(await readJson(join(dit, 'config.json')));
        const inputs = {
          hiddenStates: await get(fx, 'dit.x'), timestep: await get(fx, 'dit.t'),
          encoderHiddenStates: await get(fx, 'prompt.embeds'), encoderAttentionMask: await get(fx, 'prompt.mask'),
        };
        return withSession(g, async (s) => (await new SanaTransformer(s, config, 'float32').forward(inputs)).data as Float32Array);
      },
    },
    {
      component: 'vae', key: 'vae.decoded',
      build: async () => buildDecoderGraph(dcAeConfig(await readJson(join(vae, 'config.json'))), await openComponentWeights(vae, 'diffusion_pytorch_model')),
      run: async (g) => {
        const z = await get(fx, 'vae.z');
        return withSession(g, async (s) => (await s.run({ [DC_AE_IO.latent]: z }))[DC_AE_IO.image].data as Float32Array);
      },
    },
    {
      component: 'textEncoder', key: 'te.last_hidden_state',
      build: async () => {
        const c = gemmaConfig(await readJson(join(te, 'config.json')));
        return buildGemma2Graph(c, takeOnce(await loadGemma2Weights(await openComponentWeights(te, 'model'), c)));
      },
      run: async (g) => {
        const ids = async (k: string) => int64(await fx.tensors.getFloat32(k), fx.tensors.info(k).shape);
        const feeds = { [GEMMA2_IO.inputIds]: await ids('te.input_ids'), [GEMMA2_IO.attentionMask]: await ids('te.attention_mask') };
        return withSession(g, async (s) => (await s.run(feeds))[GEMMA2_IO.output].data as Float32Array);
      },
    },
  ];
}

/**
 * Every component in every variant against our fp32 graph's output and the fixture's reference output.
 * @example for (const r of await componentErrors(await openFixture('fixtures/reference'))) console.log(r);
 */
export async function componentErrors(fx: Fixture, variants = QUALITY_VARIANTS): Promise<ErrorRow[]> {
  const rows: ErrorRow[] = [];
  for (const c of fixtureCases(fx)) {
    const ref = await fx.tensors.getFloat32(c.key);
    const fp32 = await c.run(await c.build());
    for (const v of variants) {
      const g = await c.build();
      const rep = v.options ? quantizeGraph(g, { ...v.options, component: c.component } as QuantizeOptions) : undefined;
      const out = v.options ? await c.run(g) : fp32;
      rows.push({
        component: c.component, variant: v.name, key: c.key, ...errorStats(out, fp32),
        relmaxVsReference: errorStats(out, ref).relmax, quantizedLayers: rep?.quantized.length ?? 0,
      });
    }
  }
  return rows;
}
