// The graph variants compute the default graph's function: fp32 parity on the fixture transformers, node counts, option errors.
import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import {
  ArgumentError, createBackend, float16ToFloat32, openComponentWeights, openFixture, serializeModel, tensor,
  type Fixture, type Graph, type WeightStore,
} from '@sana/core';
import { readTransformerConfig } from './node.js';
import { buildTransformerGraph } from './sana-transformer.js';
import { SanaTransformer } from './transformer-session.js';
import { DIT_VARIANTS, resolveDitVariant, type DitGraphVariant } from './graph-variant.js';
import type { SanaTransformerConfig } from './config.js';

const FIXTURES = process.env.SANA_FIXTURES ?? fileURLToPath(new URL('../../../fixtures/reference', import.meta.url));
const opened: { close?: () => Promise<void> }[] = [];
afterAll(async () => { for (const w of opened) await w.close?.(); });

let fixture: Promise<Fixture> | undefined;
const openFx = () => (fixture ??= openFixture(FIXTURES).then((fx) => { opened.push(fx.tensors as never); return fx; }));

async function model(dir: string): Promise<{ config: SanaTransformerConfig; weights: WeightStore }> {
  const weights = await openComponentWeights(dir, 'diffusion_pytorch_model');
  opened.push(weights as never);
  return { config: await readTransformerConfig(dir), weights };
}

async function inputs(fx: Fixture) {
  const get = async (k: string) => tensor('float32', await fx.tensors.getFloat32(k), fx.tensors.info(k).shape);
  return { hiddenStates: await get('dit.x'), timestep: await get('dit.t'), encoderHiddenStates: await get('prompt.embeds'), encoderAttentionMask: await get('prompt.mask') };
}

async function run(g: Graph, config: SanaTransformerConfig, inp: Awaited<ReturnType<typeof inputs>>): Promise<Float32Array> {
  const session = await (await createBackend('cpu')).createSession(serializeModel(g).model, { threads: 1 });
  const out = await new SanaTransformer(session, config, g.floatType).forward(inp);
  await session.release();
  return out.dtype === 'float16' ? float16ToFloat32(out.data as Uint16Array) : (out.data as Float32Array);
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const count = (g: Graph, op: string) => g.nodes.filter((n) => n.opType === op).length;
/** Casts between float types (not the bool -> float Casts of the block-diagonal head masks). */
function floatCasts(g: Graph): number {
  const producer = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n.opType] as const)));
  return g.nodes.filter((n) => n.opType === 'Cast' && producer.get(n.inputs[0]) !== 'Equal').length;
}

describe('transformer graph variants', () => {
  for (const [name, dir] of [['Sana 1.0', 'sana/transformer'], ['Sana 1.5 (qk-norm)', 'transformer-sana15']] as const) {
    it(`${name}: every fp32 variant matches the default graph within 1e-5`, async () => {
      const fx = await openFx();
      const { config, weights } = await model(fx.path(dir));
      const inp = await inputs(fx);
      const base = await buildTransformerGraph(config, weights);
      const ref = await run(base, config, inp);
      const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const report: Record<string, { maxAbs: number; transposes: number; convs: number }> = {};
      for (const [variant, v] of Object.entries(DIT_VARIANTS)) {
        const g = await buildTransformerGraph(config, weights, { variant: v });
        const got = await run(g, config, inp);
        report[variant] = { maxAbs: maxAbsDiff(got, ref), transposes: count(g, 'Transpose'), convs: count(g, 'Conv') };
        expect(report[variant].maxAbs, `${variant} (output scale ${scale})`).toBeLessThan(1e-5);
      }
      console.log(`${name} variants vs default (fp32 CPU):`, JSON.stringify(report));
      // Per block: heads layout 4 transposes, cross-attention 4, Mix-FFN 2; block-diagonal keeps 1 of the 4; mha none.
      const L = config.numLayers;
      expect(report['linattn-blockdiag'].transposes).toBe(report.baseline.transposes - 3 * L);
      expect(report['cross-mha'].transposes).toBe(report.baseline.transposes - 4 * L);
    });
  }

  it("mixFfn 'matmul': the 1x1 convs are MatMuls and the depth-wise conv sits between an NHWC->NCHW pair", async () => {
    const fx = await openFx();
    const { config, weights } = await model(fx.path('sana/transformer'));
    const g = await buildTransformerGraph(config, weights, { variant: { mixFfn: 'matmul' } });
    const convs = g.nodes.filter((n) => n.opType === 'Conv');
    expect(convs.map((n) => n.name)).toEqual(['patch_embed/proj', ...Array.from({ length: config.numLayers }, (_, i) => `transformer_blocks.${i}.ff/conv_depth`)]);
    const byOutput = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
    for (const c of convs.slice(1)) {
      expect(byOutput.get(c.inputs[0])?.attrs.perm).toEqual([0, 3, 1, 2]);
      const next = g.nodes.filter((n) => n.inputs.includes(c.outputs[0]));
      expect(next.map((n) => [n.opType, n.attrs.perm])).toEqual([['Transpose', [0, 2, 3, 1]]]);
    }
    expect(g.nodes.filter((n) => n.opType === 'MatMul' && /ff\/conv_(inverted|point)/.test(n.name))).toHaveLength(2 * config.numLayers);
  });

  it("attentionPrecision 'fp16' drops the fp32 islands of the attentions and stays close to the fp16 default", async () => {
    const fx = await openFx();
    const { config, weights } = await model(fx.path('sana/transformer'));
    const inp = await inputs(fx);
    const base = await buildTransformerGraph(config, weights, { floatType: 'float16' });
    const ref = await run(base, config, inp);
    const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (const v of [{ attentionPrecision: 'fp16' }, { attentionPrecision: 'fp16', mixFfn: 'matmul', linearAttention: 'block-diagonal', crossAttention: 'mha' }] as DitGraphVariant[]) {
      const g = await buildTransformerGraph(config, weights, { floatType: 'float16', variant: v });
      // 7 Casts per block in the default fp16 graph: 4 in the linear attention, 3 in the cross-attention; one
      // Cast of the text bias to fp16, shared by every block, comes in.
      expect(floatCasts(g)).toBe(floatCasts(base) - 7 * config.numLayers + 1);
      const got = await run(g, config, inp);
      expect(got.every(Number.isFinite)).toBe(true);
      expect(maxAbsDiff(got, ref) / scale, JSON.stringify(v)).toBeLessThan(2e-2);
    }
  });

  it('refuses unknown options and values, naming them', () => {
    expect(() => resolveDitVariant({ mixFfn: 'nhwc' } as never)).toThrow(ArgumentError);
    expect(() => resolveDitVariant({ mixFfn: 'nhwc' } as never)).toThrow(/variant\.mixFfn: is "nhwc"; expected one of 'conv', 'matmul'/);
    expect(() => resolveDitVariant({ fuseQkv: true } as never)).toThrow(/variant\.fuseQkv: is not a transformer graph option/);
    // a key that only an Object.prototype has is not an option either (it used to reach `.includes` of a function)
    expect(() => resolveDitVariant({ toString: 'conv' } as never)).toThrow(/variant\.toString: is not a transformer graph option/);
    expect(resolveDitVariant({ crossAttention: 'mha' })).toEqual({ mixFfn: 'conv', linearAttention: 'heads', crossAttention: 'mha', attentionPrecision: 'fp32' });
  });
});
