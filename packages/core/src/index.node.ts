// @sana/core for Node: the common API plus onnxruntime-node and file access.
export * from './index.js';
export { createNodeBackend, nodeBackendsAvailable } from './backend-node.js';
export { fileSource, openSafetensors, openComponentWeights } from './node-files.js';
import { createNodeBackend } from './backend-node.js';
import type { Backend, BackendOptions, Device } from './backend.js';

/** The backend for `device` on this platform (Node: onnxruntime-node). */
export async function createBackend(device: Device = 'auto', options: BackendOptions = {}): Promise<Backend> {
  return createNodeBackend(device, options);
}
export { openFixture } from './node-fixture.js';
export { writeOnnxModel, sessionFromGraph, sessionFromGraphBuilder, collectGarbage, IN_MEMORY_LIMIT } from './node-model-io.js';
export { timeIt, timeInterleaved, timed, median, peakRssMiB, rssMiB, resetPeakRss, type Timing } from './bench-util.js';
