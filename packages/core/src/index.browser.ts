// @sana/core for browsers: the common API plus onnxruntime-web. No fs, no onnxruntime-node.
export * from './index.js';
export { createWebBackend } from './backend-web.js';
import { createWebBackend } from './backend-web.js';
import type { Backend, Device } from './backend.js';

/** The backend for `device` on this platform (browser: onnxruntime-web). */
export function createBackend(device: Device = 'auto'): Promise<Backend> {
  return createWebBackend(device);
}
