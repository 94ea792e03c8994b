import { describe, expect, it } from 'vitest';
import { ArgumentError, Graph, compareArrays, createBackend, ops, randn, serializeModel, tensor, type FloatType } from '@sana/core';
import { findLinearSites } from './linear-sites.js';
import { quantizeGraph, type QuantizeOptions } from './quantize.js';

const D = 64;
const F = 96;

/** A small graph with every kind of site: MatMul + bias, MatMul kept by the DiT policy, 1x1 / depth-wise / 3x3 convs. */
function tinyGraph(floatType: FloatType = 'float32'): Graph {
  const g = new Graph('tiny', { floatType });
  const w = (key: string, dims: number[], seed: number) => g.weight(key, randn(dims, seed).map((v) => v / Math.sqrt(dims[1] ?? dims[0])), dims);
  const x = g.input('x', floatType, ['batch', 5, D]);
  const q = g.scope('blocks.0.attn1', () => ops.linear(g, x, 'blocks.0.attn1.to_q', randn([D, D], 1).map((v) => v / 8), D, D, randn([D], 2)));
  const k = g.scope('blocks.0.attn2', () => ops.linear(g, q, 'blocks.0.attn2.to_k', randn([D, D], 3).map((v) => v / 8), D, D));
  g.output(k, 'y', floatType);
  const img = g.input('img', floatType, ['batch', D, 4, 4]);
  const inv = ops.conv(g, img, w('ff.conv_inverted.weight', [F, D, 1, 1], 4), w('ff.conv_inverted.bias', [F], 5), { name: 'ff.conv_inverted' });
  const dw = ops.conv(g, inv, w('ff.conv_depth.weight', [F, 1, 3, 3], 6), undefined, { group: F, pads: [1, 1, 1, 1], name: 'ff.conv_depth' });
  const c3 = ops.conv(g, dw, w('conv_in.weight', [D, F, 3, 3], 7), undefined, { pads: [1, 1, 1, 1], name: 'conv_in' });
  const pt = ops.conv(g, ops.silu(g, c3), w('ff.conv_point.weight', [D, D, 1, 1], 8), undefined, { name: 'ff.conv_point' });
  g.output(pt, 'z', floatType);
  return g;
}

const feeds = {
  x: tensor('float32', randn([2, 5, D], 11), [2, 5, D]),
  img: tensor('float32', randn([2, D, 4, 4], 12), [2, D, 4, 4]),
};

async function run(g: Graph) {
  const backend = await createBackend('cpu');
  const s = await backend.createSession(serializeModel(g).model, { threads: 1 });
  const out = await s.run(feeds);
  await s.release();
  return { y: out.y.data as Float32Array, z: out.z.data as Float32Array };
}

describe('quantizeGraph', () => {
  const modes: [string, QuantizeOptions, number][] = [
    // Tolerances: INT8 steps of 1/127 of the range on both operands; measured 0.3-1.5e-2 relmax on this graph (MatMulNBits with blocks of 16: 0.3-0.9e-2).
    ['cpu per-tensor', { mode: 'cpu' }, 3e-2],
    ['cpu per-token', { mode: 'cpu', activations: 'per-token' }, 3e-2],
    ['webgpu (MatMulNBits on ORT CPU)', { mode: 'webgpu', blockSize: 16 }, 3e-2],
    ['webgpu accuracy_level 4', { mode: 'webgpu', blockSize: 32, accuracyLevel: 4 }, 3e-2],
  ];
  for (const [label, opts, tol] of modes) {
    it(`${label}: runs on ORT CPU close to fp32 and reports every layer`, async () => {
      const ref = await run(tinyGraph());
      const g = tinyGraph();
      const rep = quantizeGraph(g, opts);
      expect(rep.quantized.map((l) => l.key).sort()).toEqual(['blocks.0.attn1.to_q', 'ff.conv_inverted', 'ff.conv_point']);
      expect(rep.keptFloat.map((l) => l.key)).toEqual(['blocks.0.attn2.to_k']);
      expect(rep.skipped.map((s) => s.key).sort()).toEqual(['conv_in', 'ff.conv_depth']);
      expect(rep.weightBytesAfter).toBeLessThan(rep.weightBytesBefore);
      expect(g.initializers.has('blocks.0.attn1.to_q.weight')).toBe(false);
      const got = await run(g);
      const ey = compareArrays(got.y, ref.y, 'relmax');
      const ez = compareArrays(got.z, ref.z, 'relmax');
      expect(ey).toBeGreaterThan(0); // it really is quantized
      expect(ey).toBeLessThan(tol);
      expect(ez).toBeLessThan(tol);
    });
  }

  it('leaves every excluded layer float: same nodes, same weights (keptWeights float32)', async () => {
    const ref = await run(tinyGraph());
    const g = tinyGraph();
    const before = g.nodes.map((n) => `${n.opType}(${n.inputs.join(',')})->${n.outputs.join(',')}`);
    const rep = quantizeGraph(g, { mode: 'cpu', keepFloat: ['*'], keptWeights: 'float32' });
    expect(rep.quantized).toEqual([]);
    expect(rep.keptFloat.length).toBe(4);
    expect(g.nodes.map((n) => `${n.opType}(${n.inputs.join(',')})->${n.outputs.join(',')}`)).toEqual(before);
    const got = await run(g);
    expect(compareArrays(got.y, ref.y, 'abs')).toBe(0);
    expect(compareArrays(got.z, ref.z, 'abs')).toBe(0);
  });

  it('keeps excluded layers float with fp16 storage: the layer nodes untouched, weights read through a Cast', async () => {
    const g = tinyGraph();
    const sitesBefore = findLinearSites(g).sites.map((s) => `${s.node.name}:${s.node.opType}:${s.node.inputs.join(',')}`);
    quantizeGraph(g, { mode: 'cpu', keepFloat: ['blocks.*', /conv_point/] });
    const sitesAfter = g.nodes.map((n) => `${n.name}:${n.opType}:${n.inputs.join(',')}`);
    expect(sitesAfter).toEqual(expect.arrayContaining(sitesBefore.filter((s) => !s.startsWith('ff.conv_inverted'))));
    expect(sitesAfter.some((s) => s.startsWith('ff.conv_inverted:'))).toBe(false);
    const cast = g.nodes.find((n) => n.outputs[0] === 'blocks.0.attn1.to_q.weight')!;
    expect(cast.opType).toBe('Cast');
    expect(g.initializers.get(cast.inputs[0])!.dtype).toBe('float16');
    const got = await run(g);
    expect(compareArrays(got.y, (await run(tinyGraph())).y, 'relmax')).toBeLessThan(2e-3); // fp16 rounding only
  });

  it('refuses to quantize an already quantized graph, naming the node', () => {
    const g = tinyGraph();
    quantizeGraph(g, { mode: 'cpu' });
    expect(() => quantizeGraph(g, { mode: 'cpu' })).toThrow(ArgumentError);
    expect(() => quantizeGraph(g, { mode: 'webgpu' })).toThrow(/"tiny" is already quantized: node ".*" is (DynamicQuantizeLinear|MatMulIntegerToFloat)/);
  });

  it('refuses options it cannot honour', () => {
    expect(() => quantizeGraph(tinyGraph('float16'), { mode: 'cpu' })).toThrow(/float32 activations.*float16/);
    expect(() => quantizeGraph(tinyGraph(), { mode: 'webgpu', blockSize: 48 })).toThrow(/power of two/);
    expect(() => quantizeGraph(tinyGraph(), { mode: 'gpu' as never })).toThrow(/mode/);
    expect(() => quantizeGraph(tinyGraph(), { mode: 'cpu', activations: 'per-channel' as never })).toThrow(/activations/);
  });

  it('webgpu mode takes fp16 graphs: scales in fp16', () => {
    const g = tinyGraph('float16');
    quantizeGraph(g, { mode: 'webgpu' });
    expect(g.initializers.get('ff.conv_point.weight_scales')!.dtype).toBe('float16');
    expect(g.nodes.filter((n) => n.opType === 'MatMulNBits').length).toBe(3);
  });
});
