// Node: `fromPretrained` for folders and URLs, with sessions that go through external data above 2 GB.
import { createBackend, sessionFromGraph, type Backend, type Device, type WebGpuOptions } from '@sana/core';
import { loadComponents, type LoadOptions, type SanaComponents } from './components.js';
import type { ModelSource } from './model-source.js';
import { openModelSource, type DownloadProgress } from './node-model-source.js';

export interface PretrainedOptions extends Omit<LoadOptions, 'openSession' | 'openModelFile'> {
  /** 'auto' (= cpu in Node), 'cpu', 'cuda' (needs the CUDA opt-in install, see README), 'webgpu'. */
  readonly device?: Device;
  /** Download cache for URL sources (default $SANA_CACHE or ~/.cache/sana-ts). */
  readonly cacheDir?: string;
  readonly onDownload?: (p: DownloadProgress) => void;
  /**
   * With device 'webgpu': the EP's Dawn device options, e.g. `{ storageBufferCacheMode: 'simple' }` (measured on an
   * H200: DC-AE decode 0.64x the time, DiT forward 0.95x; not the default until its memory at 4096 px is measured).
   * Process-wide: the first WebGPU session of the process sets them.
   */
  readonly webgpu?: WebGpuOptions;
}

/**
 * Opens a converted ONNX file: an inline one (no external data) from the bytes `loadComponents` already read; one
 * with external data from its local path, so ORT reads the data beside it (the whole set downloaded first).
 */
async function openModelFile(backend: Backend, src: ModelSource, model: string, externalData: readonly string[], label: string, modelBytes: Uint8Array, threads?: number) {
  if (!externalData.length) return backend.createSession(modelBytes, { label, threads });
  for (const p of externalData) await src.localFile!(p);
  return backend.createSession(await src.localFile!(model), { label, threads });
}

/** Loads the components of a Sana / Sana-Sprint model (diffusers or converted; folder or URL) on onnxruntime-node. */
export async function loadPretrained(source: string, options: PretrainedOptions = {}): Promise<SanaComponents> {
  const backend = await createBackend(options.device ?? 'auto', { webgpu: options.webgpu });
  const src = await openModelSource(source, { cacheDir: options.cacheDir, onProgress: options.onDownload });
  return loadComponents(src, backend, {
    ...options,
    openSession: (b, g, label) => sessionFromGraph(b, g, { label, threads: options.threads }),
    openModelFile: (b, s, m, ext, label, bytes) => openModelFile(b, s, m, ext, label, bytes, options.threads),
  });
}
