// Loading a pipeline in the page: device choice (WebGPU, else wasm), download and build progress.
import { BackendError } from '@sana/core';
import { SanaPipeline, type DTypeName, type LoadProgress } from '@sana/pipeline';
import type { PageDevice } from './fixture-types.js';

export type { PageDevice } from './fixture-types.js';

export interface LoadCallbacks {
  /** Bytes of the file being downloaded; `total` is undefined when the server sends no Content-Length. */
  readonly onDownload?: (p: { file: string; loaded: number; total: number | undefined }) => void;
  readonly onStage?: (p: LoadProgress) => void;
  readonly log?: (line: string) => void;
}

/** Whether this browser can give WebGPU an adapter (what the pipeline's 'auto' checks too). */
export async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  return !!gpu && !!(await gpu.requestAdapter().catch(() => null));
}

/** The device from `?device=`, or undefined when the parameter is absent or not one of auto, webgpu, wasm. */
export function deviceParam(search = location.search): PageDevice | undefined {
  const d = new URLSearchParams(search).get('device');
  return d === 'auto' || d === 'webgpu' || d === 'wasm' ? d : undefined;
}

/**
 * `SanaPipeline.fromPretrained` with the device resolved up front so the page can say which one runs.
 * 'auto' tries WebGPU when there is an adapter and falls back to wasm when a WebGPU session cannot be created
 * (an operator the WebGPU provider lacks, or too little GPU memory); the files come from the cache the second time.
 */
export async function loadPipeline(
  url: string, device: PageDevice, cacheName: string | null, cb: LoadCallbacks = {}, dtype: DTypeName = 'fp32',
): Promise<{ pipe: SanaPipeline; device: 'webgpu' | 'wasm' }> {
  const resolved = device === 'auto' ? ((await hasWebGpu()) ? 'webgpu' : 'wasm') : device;
  const open = (d: 'webgpu' | 'wasm') => SanaPipeline.fromPretrained(url, { device: d, dtype, cacheName, onDownload: cb.onDownload, onProgress: cb.onStage });
  try {
    return { pipe: await open(resolved), device: resolved };
  } catch (e) {
    if (device !== 'auto' || resolved !== 'webgpu' || !(e instanceof BackendError)) throw e;
    cb.log?.(`WebGPU failed (${e.message}); falling back to wasm`);
    return { pipe: await open('wasm'), device: 'wasm' };
  }
}
