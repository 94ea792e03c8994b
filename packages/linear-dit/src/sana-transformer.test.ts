import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import {
  compareArrays, createBackend, float16ToFloat32, openFixture, openComponentWeights, serializeModel, tensor,
  Graph, type Fixture, type Tensor, type TensorInfo, type WeightStore,
} from '@sana/core';
import { readTransformerConfig } from './node.js';
import { buildTransformerGraph } from './sana-transformer.js';
import { SanaTransformer } from './transformer-session.js';
import { sinCosEmbedding } from './patch-embed.js';
import { sinusoidalProjection } from './timestep-embedding.js';
import type { SanaTransformerConfig } from './config.js';

const FIXTURES = process.env.SANA_FIXTURES ?? fileURLToPath(new URL('../../../fixtures/reference', import.meta.url));

const opened: WeightStore[] = [];
/** The checkpoint of a fixture folder, closed after the suite. */
async function checkpoint(dir: string): Promise<WeightStore> {
  const w = await openComponentWeights(dir, 'diffusion_pytorch_model');
  opened.push(w);
  return w;
}
let fixture: Promise<Fixture> | undefined;
/** The reference fixture, opened once. */
function openFx(): Promise<Fixture> {
  fixture ??= openFixture(FIXTURES).then((fx) => { opened.push(fx.tensors); return fx; });
  return fixture;
}
afterAll(async () => { for (const w of opened) await (w as { close?: () => Promise<void> }).close?.(); });

/** A view of a store with renamed keys, replaced shapes (same data) and extra tensors. */
function remap(base: WeightStore, o: { rename?: Record<string, string>; reshape?: Record<string, number[]>; extra?: Record<string, { shape: number[]; data: Float32Array }> }): WeightStore {
  const back = new Map(Object.entries(o.rename ?? {}).map(([from, to]) => [to, from]));
  const src = (k: string) => back.get(k) ?? k;
  const keys = [...base.keys().map((k) => o.rename?.[k] ?? k), ...Object.keys(o.extra ?? {})];
  return {
    name: `remap(${base.name})`,
    keys: () => keys,
    has: (k) => keys.includes(k),
    info: (k): TensorInfo => {
      const e = o.extra?.[k];
      if (e) return { key: k, dtype: 'float32', shape: e.shape, offset: 0, byteLength: e.data.byteLength };
      const i = base.info(src(k));
      return { ...i, key: k, shape: o.reshape?.[k] ?? i.shape };
    },
    get: async (k) => tensor('float32', await base.getFloat32(src(k)), base.info(src(k)).shape),
    getFloat32: async (k) => o.extra?.[k]?.data ?? base.getFloat32(src(k)),
  };
}

async function run(config: SanaTransformerConfig, weights: WeightStore, inputs: Parameters<SanaTransformer['forward']>[0], floatType: 'float32' | 'float16' = 'float32') {
  const g = await buildTransformerGraph(config, weights, { floatType });
  const session = await (await createBackend('cpu')).createSession(serializeModel(g).model, { threads: 1 });
  const out = await new SanaTransformer(session, config, floatType).forward(inputs);
  return { dims: out.dims, data: out.dtype === 'float16' ? float16ToFloat32(out.data as Uint16Array) : (out.data as Float32Array) };
}

async function fixtureInputs(fx: Fixture) {
  const get = async (k: string) => tensor('float32', await fx.tensors.getFloat32(k), fx.tensors.info(k).shape);
  return { hiddenStates: await get('dit.x'), timestep: await get('dit.t'), encoderHiddenStates: await get('prompt.embeds'), encoderAttentionMask: await get('prompt.mask') };
}

function slice(t: Tensor, item: number, len?: number): Tensor {
  const [, ...rest] = t.dims;
  const dims = len === undefined ? rest : [len, ...rest.slice(1)];
  const per = rest.reduce((a, b) => a * b, 1);
  const n = dims.reduce((a, b) => a * b, 1);
  const d = (t.data as Float32Array).subarray(item * per, item * per + n);
  return tensor('float32', Float32Array.from(d), [1, ...dims]);
}

describe('buildTransformerGraph', () => {
  it('patch size 2 equals the patch-1 reference on space-to-depth latents (with the sin-cos embedding)', async () => {
    // A p=2 conv over [2, 8, 12] is the p=1 conv over its 2x2 space-to-depth [8, 4, 6] with the same kernel
    // reshaped; unpatchify then puts proj channel (p1*2 + p2)*2 + c at pixel (2h + p1, 2w + p2).
    const fx = await openFx();
    const dir = fx.path('transformer-pe');
    const c1 = await readTransformerConfig(dir);
    const c2: SanaTransformerConfig = { ...c1, inChannels: 2, outChannels: 2, patchSize: 2, sampleSize: c1.sampleSize * 2 };
    const w2 = remap(await checkpoint(dir), { reshape: { 'patch_embed.proj.weight': [32, 2, 2, 2] } });
    const inp = await fixtureInputs(fx);
    const x1 = inp.hiddenStates.data as Float32Array; // [2, 8, 4, 6]
    const x2 = new Float32Array(x1.length); // [2, 2, 8, 12]
    const ref = await fx.tensors.getFloat32('ditpe.out'); // [2, 8, 4, 6]
    const want = new Float32Array(ref.length);
    for (let b = 0; b < 2; b++) for (let c = 0; c < 2; c++) for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
      for (let h = 0; h < 4; h++) for (let w = 0; w < 6; w++) {
        const at2 = ((b * 2 + c) * 8 + 2 * h + i) * 12 + 2 * w + j;
        x2[at2] = x1[((b * 8 + c * 4 + i * 2 + j) * 4 + h) * 6 + w];
        want[at2] = ref[((b * 8 + (i * 2 + j) * 2 + c) * 4 + h) * 6 + w];
      }
    }
    const out = await run(c2, w2, { ...inp, hiddenStates: tensor('float32', x2, [2, 2, 8, 12]) });
    expect(out.dims).toEqual([2, 2, 8, 12]);
    expect(compareArrays(out.data, want, 'relmax')).toBeLessThan(1e-4);
  });

  it('adds the Sprint guidance embedding: zero guidance_embedder weights reproduce the qk-norm reference', async () => {
    const fx = await openFx();
    const dir = fx.path('transformer-sana15');
    const base = await readTransformerConfig(dir);
    const d = 32;
    const zeros = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    const rename: Record<string, string> = {};
    for (const s of ['linear_1.weight', 'linear_1.bias', 'linear_2.weight', 'linear_2.bias']) rename[`time_embed.emb.timestep_embedder.${s}`] = `time_embed.timestep_embedder.${s}`;
    const w = remap(await checkpoint(dir), {
      rename,
      extra: {
        'time_embed.guidance_embedder.linear_1.weight': { shape: [d, 256], data: new Float32Array(d * 256).fill(0.01) },
        'time_embed.guidance_embedder.linear_1.bias': zeros([d]),
        'time_embed.guidance_embedder.linear_2.weight': zeros([d, d]),
        'time_embed.guidance_embedder.linear_2.bias': zeros([d]),
      },
    });
    const out = await run({ ...base, guidanceEmbeds: true }, w, { ...(await fixtureInputs(fx)), guidance: 0.45 });
    expect(compareArrays(out.data, await fx.tensors.getFloat32('dit15.out'), 'relmax')).toBeLessThan(1e-4);
  });

  it('serves every batch, size, aspect ratio and text length from one graph; padding tokens are ignored', async () => {
    const fx = await openFx();
    const dir = fx.path('sana/transformer');
    const config = await readTransformerConfig(dir);
    const g = await buildTransformerGraph(config, await checkpoint(dir));
    const dit = new SanaTransformer(await (await createBackend('cpu')).createSession(serializeModel(g).model, { threads: 1 }), config, 'float32');
    const inp = await fixtureInputs(fx);
    const full = (await dit.forward(inp)).data as Float32Array;
    // Item 1 alone, its text cut to its 12 real tokens and no mask: the masked run gave the same numbers.
    const valid = (inp.encoderAttentionMask.data as Float32Array).subarray(40, 80).reduce((a, b) => a + b, 0);
    expect(valid).toBe(12);
    const one = (await dit.forward({
      hiddenStates: slice(inp.hiddenStates, 1), timestep: (inp.timestep.data as Float32Array)[1], encoderHiddenStates: slice(inp.encoderHiddenStates, 1, 12),
    })).data as Float32Array;
    expect(compareArrays(one, full.subarray(full.length / 2), 'relmax')).toBeLessThan(1e-5);
    // Other shapes: transposed aspect ratio, odd sizes, batch 3, short text.
    for (const [b, h, w, len] of [[1, 6, 4, 5], [3, 5, 7, 3]]) {
      const out = await dit.forward({
        hiddenStates: tensor('float32', new Float32Array(b * 8 * h * w).fill(0.5), [b, 8, h, w]),
        timestep: 500,
        encoderHiddenStates: tensor('float32', new Float32Array(b * len * 64).fill(0.1), [b, len, 64]),
      });
      expect(out.dims).toEqual([b, 8, h, w]);
      expect((out.data as Float32Array).every(Number.isFinite)).toBe(true);
    }
  });

  it('never forms an N x N matrix in self-attention: attn1 multiplies only by the d x (d+1) state', async () => {
    const fx = await openFx();
    const dir = fx.path('sana/transformer');
    const g = await buildTransformerGraph(await readTransformerConfig(dir), await checkpoint(dir));
    const matmuls = g.nodes.filter((n) => n.opType === 'MatMul' && n.name.startsWith('transformer_blocks.0.attn1/')).map((n) => n.name);
    expect(matmuls).toEqual([
      'transformer_blocks.0.attn1/to_q/MatMul', 'transformer_blocks.0.attn1/to_k/MatMul', 'transformer_blocks.0.attn1/to_v/MatMul',
      'transformer_blocks.0.attn1/kv_state', 'transformer_blocks.0.attn1/q_state', 'transformer_blocks.0.attn1/to_out.0/MatMul',
    ]);
    expect(g.nodes.some((n) => n.opType === 'Softmax' && n.name.includes('attn1'))).toBe(false);
  });

  it('fp16 graphs hold fp16 weights and take fp16 latents, and keep the linear-attention state in fp32', async () => {
    const fx = await openFx();
    const dir = fx.path('transformer-sana15');
    const g = await buildTransformerGraph(await readTransformerConfig(dir), await checkpoint(dir), { floatType: 'float16' });
    expect(g.initializers.get('transformer_blocks.0.attn1.to_q.weight')?.dtype).toBe('float16');
    expect(g.inputs.map((i) => `${i.name}:${i.dtype}`)).toEqual([
      'hidden_states:float16', 'timestep:float32', 'encoder_hidden_states:float16', 'encoder_attention_mask:float32',
    ]);
    // The inputs of the state MatMul come (through transposes and the pad) from Casts to float32.
    const byOutput = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
    const castsBehind = (v: string): boolean => {
      const n = byOutput.get(v);
      if (!n) return false;
      if (n.opType === 'Cast') return n.attrs.to === 1;
      return ['Transpose', 'Pad', 'Relu', 'Reshape'].includes(n.opType) && castsBehind(n.inputs[0]);
    };
    const state = g.nodes.find((n) => n.name === 'transformer_blocks.0.attn1/kv_state')!;
    expect(state.inputs.every(castsBehind)).toBe(true);
  });
});

describe('in-graph embeddings', () => {
  async function evalGraph(build: (g: Graph) => string, feeds: Record<string, Tensor> = {}): Promise<Float32Array> {
    const g = new Graph('t');
    for (const [k, v] of Object.entries(feeds)) g.input(k, 'float32', v.dims);
    g.output(build(g), 'y', 'float32');
    const s = await (await createBackend('cpu')).createSession(serializeModel(g).model, { threads: 1 });
    return (await s.run(feeds)).y.data as Float32Array;
  }

  it('2D sin-cos embedding matches diffusers get_2d_sincos_pos_embed (float64) on a 3x5 grid, base 8, scale 2', async () => {
    const [h, w, dim, base, scale] = [3, 5, 16, 8, 2];
    const got = await evalGraph((g) => sinCosEmbedding(g, g.int64([h, w]), dim, base, scale));
    const want: number[] = [];
    const oneD = (pos: number) => {
      const om = Array.from({ length: dim / 4 }, (_, i) => 1 / 10000 ** (i / (dim / 4)));
      return [...om.map((o) => Math.sin(pos * o)), ...om.map((o) => Math.cos(pos * o))];
    };
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) want.push(...oneD(Math.fround(j / (w / base) / scale)), ...oneD(Math.fround(i / (h / base) / scale)));
    expect(got.length).toBe(h * w * dim);
    expect(compareArrays(got, want, 'abs')).toBeLessThan(2e-6);
  });

  it('timestep projection is [cos | sin] of t * exp(-ln(10000) i / 128)', async () => {
    const t = tensor('float32', Float32Array.from([0, 1, 999, 321.5]), [4]);
    const got = await evalGraph((g) => sinusoidalProjection(g, 't'), { t });
    const want: number[] = [];
    for (const tv of [0, 1, 999, 321.5]) {
      const f = Array.from({ length: 128 }, (_, i) => Math.exp((-Math.log(10000) * i) / 128));
      want.push(...f.map((x) => Math.cos(tv * x)), ...f.map((x) => Math.sin(tv * x)));
    }
    expect(compareArrays(got, want, 'abs')).toBeLessThan(1e-4); // fp32 arguments up to 999 rad
  });
});
