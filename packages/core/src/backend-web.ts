// The onnxruntime-web backend: devices 'wasm' and 'webgpu'. Creation and runs are serialized.
// The WebGPU build: WebGPU and wasm EPs, and the contrib kernels (8-bit MatMulNBits) the default build lacks.
import * as ort from 'onnxruntime-web/webgpu';
import { ArgumentError } from './errors.js';
import { DEVICES, type Backend, type Device, type SessionOptions } from './backend.js';
import { createOrtSession, Queue } from './ort-session.js';
import { DeviceIo } from './device-io.js';

/** Creates an onnxruntime-web backend; 'auto' picks WebGPU when the browser has an adapter, else wasm. */
export async function createWebBackend(device: Device = 'auto'): Promise<Backend> {
  if (!DEVICES.includes(device)) throw new ArgumentError('device', `unknown device "${device}"; expected one of ${DEVICES.join(', ')}`);
  let d = device;
  if (d === 'auto') {
    const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
    d = gpu && (await gpu.requestAdapter().catch(() => null)) ? 'webgpu' : 'wasm';
  }
  if (d === 'cpu') d = 'wasm';
  if (d === 'cuda') throw new ArgumentError('device', '"cuda" is only available in Node (onnxruntime-node); in the browser use webgpu or wasm');
  const queue = new Queue();
  const createSession = (model: Uint8Array | string, options: SessionOptions = {}) => createOrtSession(ort as never, model, options, [d], queue);
  if (d !== 'webgpu') return { runtime: 'onnxruntime-web', device: d as 'wasm', createSession };
  // WebGPU: outputs can stay in GPU buffers (ORT's own `getData()` downloads them); uploads go through a copy session.
  const io = new DeviceIo(createSession);
  return { runtime: 'onnxruntime-web', device: 'webgpu', deviceResident: true, createSession, toDevice: (t) => io.upload(t) };
}
