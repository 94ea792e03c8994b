import { describe, expect, it } from 'vitest';
import { createNodeBackend, nodeBackendsAvailable, nodeExecutionProviders } from './backend-node.js';
import { Graph } from './onnx/graph.js';
import * as ops from './onnx/ops.js';
import { serializeModel } from './onnx/serialize.js';
import { float32, int64, tensor } from './cpu-tensor.js';
import { ArgumentError, BackendError } from './errors.js';
import type { Device } from './backend.js';

function model() {
  const g = new Graph('m');
  const x = g.input('x', 'float32', ['batch', 3]);
  g.output(ops.relu(g, x), 'y', 'float32', ['batch', 3]);
  return serializeModel(g).model;
}

describe('node backend', () => {
  it('lists cpu among the bundled execution providers', () => {
    expect(nodeBackendsAvailable()).toContain('cpu');
  });
  it('refuses an unknown device by name', () => {
    expect(() => createNodeBackend('tpu' as Device)).toThrow(ArgumentError);
    expect(() => createNodeBackend('tpu' as Device)).toThrow('device: unknown device "tpu"; expected one of auto, cpu, cuda, webgpu, wasm');
    expect(() => createNodeBackend('wasm')).toThrow(/browser device/);
  });
  it('WebGPU EP device options: passed inline in the EP entry, checked by name before any session, refused off WebGPU', () => {
    expect(nodeExecutionProviders()).toEqual(['webgpu']);
    expect(nodeExecutionProviders({ webgpu: { storageBufferCacheMode: 'simple', validationMode: undefined } })).toEqual([{ name: 'webgpu', storageBufferCacheMode: 'simple' }]);
    expect(() => createNodeBackend('webgpu', { webgpu: { storageBufferCacheMode: 'fast' as never } }))
      .toThrow("webgpu.storageBufferCacheMode: is \"fast\"; expected one of 'disabled', 'lazyRelease', 'simple', 'bucket'");
    expect(() => createNodeBackend('webgpu', { webgpu: { bufferCache: 'simple' } as never })).toThrow(/webgpu.bufferCache: is not a WebGPU EP option/);
    expect(() => createNodeBackend('webgpu', { webgpu: { constructor: 'simple' } as never })).toThrow(/webgpu.constructor: is not a WebGPU EP option/);
    expect(() => createNodeBackend('cpu', { webgpu: { validationMode: 'disabled' } })).toThrow('webgpu: configures the WebGPU execution provider; the device is "cpu"');
    expect(() => createNodeBackend('auto', { webgpu: 'simple' as never })).toThrow(ArgumentError);
  });
  it('runs with symbolic batch', async () => {
    const s = await createNodeBackend('cpu').createSession(model(), { threads: 1 });
    const out = await s.run({ x: float32([-1, 2, -3, 4, -5, 6], [2, 3]) });
    expect([...(out.y.data as Float32Array)]).toEqual([0, 2, 0, 4, 0, 6]);
    expect(out.y.dims).toEqual([2, 3]);
  });
  it('checks feeds before ONNX Runtime sees them', async () => {
    const s = await createNodeBackend('cpu').createSession(model(), { label: 'relu' });
    await expect(s.run({})).rejects.toThrow('relu.x: is a required input and was not given');
    await expect(s.run({ x: float32([1, 2, 3], [1, 3]), z: float32([1], [1]) })).rejects.toThrow(/relu.z: is not an input of this model/);
    await expect(s.run({ x: int64([1, 2, 3], [1, 3]) })).rejects.toThrow('relu.x: has dtype int64; the model expects float32');
    await expect(s.run({ x: float32([1, 2, 3], [3]) })).rejects.toThrow(/expects rank 2/);
    await expect(s.run({ x: float32([1, 2, 3, 4], [1, 4]) })).rejects.toThrow(/dimension 1 must be 3/);
  });
  it('wraps a model ORT cannot load in a BackendError', async () => {
    await expect(createNodeBackend('cpu').createSession(new Uint8Array([1, 2, 3]), { label: 'junk' })).rejects.toThrow(BackendError);
    await expect(createNodeBackend('cpu').createSession('/nonexistent.onnx')).rejects.toThrow(/nonexistent.onnx: ONNX Runtime could not create a session/);
  });
});

describe('tensor', () => {
  it('checks element count, dims and dtype', () => {
    expect(() => float32([1, 2, 3], [2, 2])).toThrow('data: has 3 elements but dims [2, 2] need 4');
    expect(() => float32([1], [-1])).toThrow(/non-negative integer/);
    expect(() => tensor('complex64' as never, new Float32Array(1) as never, [1])).toThrow(/unknown dtype "complex64"/);
  });
});
