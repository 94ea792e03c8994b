// Every graph-builder op, run on ORT CPU and checked against values computed by hand.
import { describe, expect, it } from 'vitest';
import { Graph, type Value } from './graph.js';
import * as ops from './ops.js';
import { serializeModel } from './serialize.js';
import { createNodeBackend } from '../backend-node.js';
import { float32, int64, tensor } from '../cpu-tensor.js';
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';

const backend = createNodeBackend('cpu');

/** Builds a one-output graph over inputs x (and y), runs it, returns the output's data and dims. */
async function run(
  build: (g: Graph, x: Value, y: Value | undefined) => Value,
  x: Tensor,
  y?: Tensor,
  outType: DType = 'float32',
  opts: { floatType?: 'float32' | 'float16'; opset?: number } = {},
) {
  const g = new Graph('t', opts);
  const xv = g.input('x', x.dtype, x.dims);
  const yv = y ? g.input('y', y.dtype, y.dims) : undefined;
  g.output(build(g, xv, yv), 'out', outType);
  const s = await backend.createSession(serializeModel(g).model);
  const out = (await s.run(y ? { x, y } : { x })).out;
  return { data: Array.from(out.data as ArrayLike<number | bigint>, Number), dims: [...out.dims] };
}

const close = (a: number[], b: number[], tol = 1e-6) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]))));
};

const X = float32([1, -2, 3, -4, 5, 6], [2, 3]);

describe('elementwise ops', () => {
  const Y = float32([2, 2, 2, 2, 2, 2], [2, 3]);
  const cases: [string, (g: Graph, a: Value, b: Value) => Value, (a: number, b: number) => number][] = [
    ['Add', ops.add, (a, b) => a + b], ['Sub', ops.sub, (a, b) => a - b], ['Mul', ops.mul, (a, b) => a * b],
    ['Div', ops.div, (a, b) => a / b], ['Pow', ops.pow, (a, b) => a ** b],
  ];
  for (const [name, f, ref] of cases) {
    it(name, async () => {
      const r = await run((g, x, y) => f(g, x, y!), X, Y);
      close(r.data, [1, -2, 3, -4, 5, 6].map((a) => ref(a, 2)));
    });
  }
  const unary: [string, (g: Graph, a: Value) => Value, (a: number) => number, number[]?][] = [
    ['Sqrt', ops.sqrt, Math.sqrt, [1, 4, 9, 16, 0.25, 2]], ['Exp', ops.exp, Math.exp], ['Tanh', ops.tanh, Math.tanh],
    ['Sigmoid', ops.sigmoid, (a) => 1 / (1 + Math.exp(-a))], ['Relu', ops.relu, (a) => Math.max(0, a)],
    ['Sin', ops.sin, Math.sin], ['Cos', ops.cos, Math.cos], ['Neg', ops.neg, (a) => -a],
    ['Reciprocal', ops.reciprocal, (a) => 1 / a],
    ['Erf', ops.erf, (a) => erfRef(a), [0.1, -0.5, 1, -1.5, 2, 0]],
  ];
  for (const [name, f, ref, input] of unary) {
    it(name, async () => {
      const vals = input ?? [1, -2, 3, -4, 5, 6].map((v) => v / 4);
      const r = await run((g, x) => f(g, x), float32(vals, [2, 3]));
      close(r.data, vals.map(ref), 2e-6);
    });
  }
  it('Where / Equal / Less', async () => {
    const r = await run((g, x) => ops.where(g, ops.less(g, x, g.float(0)), g.float(0), x), X);
    expect(r.data).toEqual([1, 0, 3, 0, 5, 6]);
    const e = await run((g, x) => ops.cast(g, ops.equal(g, x, g.float(3)), 'float32'), X);
    expect(e.data).toEqual([0, 0, 1, 0, 0, 0]);
  });
});

describe('linear algebra and convolution', () => {
  it('MatMul', async () => {
    const r = await run((g, x) => ops.matMul(g, x, g.weight('w', new Float32Array([1, 0, 0, 1, 1, 1]), [3, 2])), X);
    expect(r.dims).toEqual([2, 2]);
    expect(r.data).toEqual([1 + 3, -2 + 3, -4 + 6, 5 + 6]);
  });
  it('Gemm with transB and bias', async () => {
    const r = await run((g, x) => ops.gemm(g, x, g.weight('w', new Float32Array([1, 1, 1, 0, 1, 0]), [2, 3]), g.float([10, 20]), { transB: 1 }), X);
    expect(r.data).toEqual([1 - 2 + 3 + 10, -2 + 20, -4 + 5 + 6 + 10, 5 + 20]);
  });
  it('linear stores the [out, in] weight transposed', async () => {
    const r = await run((g, x) => ops.linear(g, x, 'fc', new Float32Array([1, 1, 1, 0, 1, 0]), 2, 3, new Float32Array([10, 20])), X);
    expect(r.data).toEqual([12, 18, 17, 25]);
  });
  it('Conv 3x3 with padding', async () => {
    // 1x1x3x3 input of ones, 3x3 kernel of ones, pad 1: corner 4, edge 6, center 9
    const r = await run((g, x) => ops.conv(g, x, g.weight('w', new Float32Array(9).fill(1), [1, 1, 3, 3]), undefined, { pads: [1, 1, 1, 1] }), float32(new Float32Array(9).fill(1), [1, 1, 3, 3]));
    expect(r.data).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
  });
  it('depth-wise Conv (group = channels) with bias', async () => {
    const x = float32([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 2, 2]);
    const r = await run((g, v) => ops.conv(g, v, g.weight('w', new Float32Array([1, 2]), [2, 1, 1, 1]), g.weight('b', new Float32Array([0.5, -1]), [2]), { group: 2 }), x);
    expect(r.data).toEqual([1.5, 2.5, 3.5, 4.5, 19, 39, 59, 79]);
  });
  it('grouped Conv (2 groups of 2 channels)', async () => {
    const x = float32([1, 2, 3, 4], [1, 4, 1, 1]);
    const r = await run((g, v) => ops.conv(g, v, g.weight('w', new Float32Array([1, 1, 1, -1]), [2, 2, 1, 1]), undefined, { group: 2 }), x);
    expect(r.data).toEqual([3, 7 * 0 + 3 - 4]);
  });
});

describe('shape ops', () => {
  it('Reshape / Transpose', async () => {
    const r = await run((g, x) => ops.transpose(g, ops.reshape(g, x, [3, 2]), [1, 0]), X);
    expect(r.dims).toEqual([2, 3]);
    expect(r.data).toEqual([1, 3, 5, -2, -4, 6]);
  });
  it('Concat / Split', async () => {
    const r = await run((g, x) => ops.concat(g, ops.split(g, x, [1, 2], 1).reverse(), 1), X);
    expect(r.data).toEqual([-2, 3, 1, 5, 6, -4]);
  });
  it('Slice with steps / Gather', async () => {
    const r = await run((g, x) => ops.slice(g, x, [0, 0], [2, 3], [0, 1], [1, 2]), X);
    expect(r.data).toEqual([1, 3, -4, 6]);
    const ga = await run((g, x) => ops.gather(g, x, g.int64([2, 0], [2]), 1), X);
    expect(ga.data).toEqual([3, 1, 6, -4]);
  });
  it('Unsqueeze / Squeeze / Expand / Shape', async () => {
    const r = await run((g, x) => ops.squeeze(g, ops.unsqueeze(g, x, [0]), [0]), X);
    expect(r.dims).toEqual([2, 3]);
    const e = await run((g, x) => ops.expand(g, x, g.int64([2, 2, 3])), X);
    expect(e.dims).toEqual([2, 2, 3]);
    const s = await run((g, x) => ops.shape(g, x, 1), X, undefined, 'int64');
    expect(s.data).toEqual([3]);
  });
  it('Range', async () => {
    const r = await run((g) => ops.range(g, g.float(0), g.float(2), g.float(0.5)), X);
    expect(r.data).toEqual([0, 0.5, 1, 1.5]);
  });
  it('DepthToSpace (CRD = torch pixel_shuffle) and SpaceToDepth', async () => {
    const x = float32([0, 1, 2, 3], [1, 4, 1, 1]);
    const r = await run((g, v) => ops.depthToSpace(g, v, 2), x);
    expect(r.dims).toEqual([1, 1, 2, 2]);
    expect(r.data).toEqual([0, 1, 2, 3]);
    const back = await run((g, v) => ops.spaceToDepth(g, ops.depthToSpace(g, v, 2), 2), x);
    expect(back.data).toEqual([0, 1, 2, 3]);
  });
  it('Resize nearest x2 / Pad', async () => {
    const x = float32([1, 2, 3, 4], [1, 1, 2, 2]);
    const r = await run((g, v) => ops.resizeNearest(g, v, 2, 2), x);
    expect(r.data).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    const p = await run((g, v) => ops.pad(g, v, [0, 0, 1, 1, 0, 0, 0, 0]), x);
    expect(p.dims).toEqual([1, 1, 3, 3]);
    expect(p.data).toEqual([0, 0, 0, 0, 1, 2, 0, 3, 4]);
  });
});

describe('reductions and normalization', () => {
  it('ReduceMean / ReduceSum / ReduceMax (opset 17 and 18)', async () => {
    for (const opset of [17, 18]) {
      expect((await run((g, x) => ops.reduceMean(g, x, [1], false), X, undefined, 'float32', { opset })).data).toEqual([2 / 3, 7 / 3].map(Math.fround));
      expect((await run((g, x) => ops.reduceSum(g, x, [1], false), X, undefined, 'float32', { opset })).data).toEqual([2, 7]);
      expect((await run((g, x) => ops.reduceMax(g, x, [0], false), X, undefined, 'float32', { opset })).data).toEqual([1, 5, 6]);
    }
  });
  it('Softmax', async () => {
    const r = await run((g, x) => ops.softmax(g, x, -1), float32([0, Math.log(3), 0, 0], [2, 2]));
    close(r.data, [0.25, 0.75, 0.5, 0.5]);
  });
  it('LayerNormalization', async () => {
    const r = await run((g, x) => ops.layerNorm(g, x, g.float([1, 1]), g.float([0, 1]), 0), float32([1, 3, -2, 2], [2, 2]));
    close(r.data, [-1, 2, -1, 2]);
  });
  it('rmsNorm', async () => {
    const r = await run((g, x) => ops.rmsNorm(g, x, 0, g.float([1, 2])), float32([3, 4], [1, 2]));
    const rms = Math.sqrt((9 + 16) / 2);
    close(r.data, [3 / rms, 8 / rms]);
  });
  it('silu, geluTanh and gelu', async () => {
    const v = [-2, -0.5, 0, 0.5, 1, 3];
    const x = float32(v, [6]);
    close((await run((g, a) => ops.silu(g, a), x)).data, v.map((a) => a / (1 + Math.exp(-a))), 1e-6);
    close((await run((g, a) => ops.geluTanh(g, a), x)).data, v.map((a) => 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a ** 3)))), 1e-6);
    close((await run((g, a) => ops.gelu(g, a), x)).data, v.map((a) => 0.5 * a * (1 + erfRef(a / Math.SQRT2))), 1e-6);
  });
  it('Cast and int64 constants', async () => {
    const r = await run((g, x) => ops.cast(g, ops.add(g, x, g.int64([1], [])), 'float32'), int64([1, 2], [2]));
    expect(r.data).toEqual([2, 3]);
  });
});

describe('fp16 graphs', () => {
  it('store weights and constants in fp16', async () => {
    const x = tensor('float16', new Uint16Array([0x3c00, 0x4000]), [2]); // [1, 2]
    const r = await run((g, v) => ops.add(g, ops.mul(g, v, g.weight('w', new Float32Array([3, 3]), [2])), g.float(0.5)), x, undefined, 'float16', { floatType: 'float16' });
    expect(r.data).toEqual([0x4300 /* 3.5 */, 0x4680 /* 6.5 */]);
  });
});

/** Abramowitz-Stegun 7.1.26 is too coarse; use a series / continued-fraction erf accurate to ~1e-12. */
function erfRef(x: number): number {
  const t = Math.abs(x);
  let sum = t, term = t;
  for (let n = 1; n < 100; n++) {
    term *= (-t * t) / n;
    sum += term / (2 * n + 1);
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
}
