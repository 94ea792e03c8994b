import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph } from './graph.js';
import * as ops from './ops.js';
import { serializeModel } from './serialize.js';
import { createNodeBackend } from '../backend-node.js';
import { writeOnnxModel } from '../node-model-io.js';
import { float32 } from '../cpu-tensor.js';

describe('serializeModel', () => {
  it('writes large initializers as external data that ORT loads from a path', async () => {
    const g = new Graph('ext');
    const x = g.input('x', 'float32', [1, 512]);
    const w = new Float32Array(512 * 512).map((_, i) => (i % 513 === 0 ? 2 : 0)); // 2 * identity
    g.output(ops.matMul(g, x, g.weight('w', w, [512, 512])), 'y', 'float32', [1, 512]);
    const m = serializeModel(g, { externalDataName: 'm.onnx.data' });
    expect(m.externalDataBytes).toBeGreaterThanOrEqual(512 * 512 * 4);
    expect(m.model.byteLength).toBeLessThan(10_000);
    const dir = await mkdtemp(join(tmpdir(), 'ext-'));
    await writeOnnxModel(join(dir, 'm.onnx'), m);
    const s = await createNodeBackend('cpu').createSession(join(dir, 'm.onnx'));
    const xs = new Float32Array(512).map((_, i) => i);
    const y = (await s.run({ x: float32(xs, [1, 512]) })).y.data as Float32Array;
    expect(y[0]).toBe(0);
    expect(y[511]).toBe(1022);
  });
  it('refuses reusing a name', () => {
    const g = new Graph('dup');
    g.input('x', 'float32', [1]);
    expect(() => g.input('x', 'float32', [1])).toThrow(/"x" is already used in graph "dup"/);
  });
});
