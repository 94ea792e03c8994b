// @sana/core for browsers: the common API plus onnxruntime-web. No fs, no onnxruntime-node.
export * from './index.js';
export { createWebBackend } from './backend-web.js';
import { createWebBackend } from './backend-web.js';
import { ArgumentError } from './errors.js';
import type { Backend, BackendOptions, Device } from './backend.js';

/**
 * The backend for `device` on this platform (browser: onnxruntime-web). `options.webgpu` is onnxruntime-node's;
 * onnxruntime-web sets its WebGPU device up through `ort.env.webgpu` instead, so it is refused here.
 */
export async function createBackend(device: Device = 'auto', options: BackendOptions = {}): Promise<Backend> {
  if (options.webgpu !== undefined) throw new ArgumentError('webgpu', 'WebGPU EP device options are an onnxruntime-node option; in the browser set ort.env.webgpu');
  return createWebBackend(device);
}
