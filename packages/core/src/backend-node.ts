// The onnxruntime-node backend: devices 'cpu', 'cuda', 'webgpu'.
import * as ort from 'onnxruntime-node';
import { ArgumentError } from './errors.js';
import { DEVICES, webGpuOptionsProblem, type Backend, type BackendOptions, type Device, type SessionOptions } from './backend.js';
import { createOrtSession, type DeviceDownload } from './ort-session.js';
import { DeviceIo } from './device-io.js';

const NODE_DEVICES = ['cpu', 'cuda', 'webgpu'] as const;

/** Which ORT execution providers this onnxruntime-node build has ('cuda' needs the opt-in install). */
export function nodeBackendsAvailable(): string[] {
  const list = (ort as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] }).listSupportedBackends?.();
  return list ? list.map((b) => b.name) : ['cpu'];
}

/**
 * Creates an onnxruntime-node backend. 'auto' is 'cpu': GPU devices are chosen explicitly.
 * @example
 * const backend = createNodeBackend('cpu');
 * const session = await backend.createSession(bytes, { threads: 2 });
 */
export function createNodeBackend(device: Device = 'auto', options: BackendOptions = {}): Backend {
  if (!DEVICES.includes(device)) throw new ArgumentError('device', `unknown device "${device}"; expected one of ${DEVICES.join(', ')}`);
  const d = device === 'auto' ? 'cpu' : device;
  if (!(NODE_DEVICES as readonly string[]).includes(d)) {
    throw new ArgumentError('device', `"${d}" is a browser device; in Node use one of ${NODE_DEVICES.join(', ')}`);
  }
  const problem = webGpuOptionsProblem(options.webgpu);
  if (problem) throw new ArgumentError(problem.field, problem.message);
  if (options.webgpu && d !== 'webgpu') throw new ArgumentError('webgpu', `configures the WebGPU execution provider; the device is "${d}"`);
  if (d !== 'webgpu') {
    return {
      runtime: 'onnxruntime-node',
      device: d as Exclude<Device, 'auto'>,
      createSession(model: Uint8Array | string, options: SessionOptions = {}) {
        return createOrtSession(ort as never, model, options, [d]);
      },
    };
  }
  // WebGPU: outputs can stay in device memory. The Node binding marks only WebGPU buffers 'gpu-buffer' (a CUDA
  // output is copied to the host whatever preferredOutputLocation says), and gives them no download function,
  // so reads go through a copy session of this backend.
  const download: DeviceDownload = (t) => io.download(t);
  const eps = nodeExecutionProviders(options);
  const io = new DeviceIo((bytes, o) => createOrtSession(ort as never, bytes, o, eps, undefined, download));
  return {
    runtime: 'onnxruntime-node',
    device: 'webgpu',
    deviceResident: true,
    createSession(model: Uint8Array | string, sessionOptions: SessionOptions = {}) {
      return createOrtSession(ort as never, model, sessionOptions, eps, undefined, download);
    },
    toDevice: (t) => io.upload(t),
  };
}

/** The WebGPU execution-provider entry ORT gets: the device options inline (`{ name: 'webgpu', validationMode: ... }`). */
export function nodeExecutionProviders(options: BackendOptions = {}): unknown[] {
  const set = Object.entries(options.webgpu ?? {}).filter(([, v]) => v !== undefined);
  return set.length ? [{ name: 'webgpu', ...Object.fromEntries(set) }] : ['webgpu'];
}
