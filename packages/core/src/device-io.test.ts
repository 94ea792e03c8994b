import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import type * as ortTypes from 'onnxruntime-common';
import { DeviceIo } from './device-io.js';
import { createOrtSession, fromOrt, toOrt } from './ort-session.js';
import { float32, int64 } from './cpu-tensor.js';
import { createNodeBackend } from './backend-node.js';

/** A stand-in for an ORT output left in GPU memory (no GPU here): what `fromOrt` sees of one. */
function fakeGpuTensor(values: number[]) {
  const calls = { dispose: 0, getData: 0 };
  const t = {
    location: 'gpu-buffer', type: 'float32', dims: [values.length],
    getData: async () => { calls.getData++; return Float32Array.from(values); },
    dispose: () => { calls.dispose++; },
  } as unknown as ortTypes.Tensor;
  return { t, calls };
}

describe('device tensors', () => {
  it('read through getData() (onnxruntime-web) or the backend download (onnxruntime-node)', async () => {
    const a = fakeGpuTensor([1, 2]);
    const ta = fromOrt(a.t);
    expect(ta.location).toBe('gpu-buffer');
    expect(() => ta.data).toThrow('tensor.data: this tensor is on the GPU');
    expect([...(await ta.read()) as Float32Array]).toEqual([1, 2]);
    const b = fakeGpuTensor([3]);
    const tb = fromOrt(b.t, async () => Float32Array.of(42));
    expect([...(await tb.read()) as Float32Array]).toEqual([42]);
    expect(b.calls.getData).toBe(0);
  });
  it('dispose once, and refuse use after dispose by name', async () => {
    const a = fakeGpuTensor([1]);
    const t = fromOrt(a.t);
    t.dispose();
    t.dispose();
    expect(a.calls.dispose).toBe(1);
    await expect(t.read()).rejects.toThrow('tensor: was disposed');
    expect(() => toOrt(ort as never, 'dit.x', t)).toThrow('dit.x: is a device tensor that was disposed');
  });
});

describe('DeviceIo', () => {
  it('round-trips through its copy sessions (on CPU the copies stay on the host)', async () => {
    const opened: string[] = [];
    const io = new DeviceIo((bytes, o) => { opened.push(o.label!); return createOrtSession(ort as never, bytes, o, ['cpu']); });
    const up = await io.upload(float32([1, 2, 3, 4, 5, 6], [2, 3]));
    expect(up.dims).toEqual([2, 3]);
    expect([...(await io.download(up)) as Float32Array]).toEqual([1, 2, 3, 4, 5, 6]);
    const i = await io.upload(int64([7, 8], [2]));
    expect([...(await i.read()) as BigInt64Array]).toEqual([7n, 8n]);
    await io.upload(float32([9], [1, 1])); // float32 rank 2 again: the session is reused
    expect(opened).toEqual(['device copy (up, float32, rank 2)', 'device copy (up, int64, rank 1)']);
  });
  it('is offered by the WebGPU backend only', () => {
    const cpu = createNodeBackend('cpu');
    expect(cpu.deviceResident).toBeUndefined();
    expect(cpu.toDevice).toBeUndefined();
    const gpu = createNodeBackend('webgpu'); // creating the backend touches no GPU
    expect(gpu.deviceResident).toBe(true);
    expect(typeof gpu.toDevice).toBe('function');
  });
});
