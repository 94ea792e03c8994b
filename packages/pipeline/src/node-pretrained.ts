// Node: `fromPretrained` for folders and URLs, with sessions that go through external data above 2 GB.
import { createBackend, sessionFromGraph, type Device } from '@sana/core';
import { loadComponents, type LoadOptions, type SanaComponents } from './components.js';
import { openModelSource, type DownloadProgress } from './node-model-source.js';

export interface PretrainedOptions extends Omit<LoadOptions, 'openSession'> {
  /** 'auto' (= cpu in Node), 'cpu', 'cuda' (needs the CUDA opt-in install, see README), 'webgpu'. */
  readonly device?: Device;
  /** Download cache for URL sources (default $SANA_CACHE or ~/.cache/sana-ts). */
  readonly cacheDir?: string;
  readonly onDownload?: (p: DownloadProgress) => void;
}

/** Loads the components of a diffusers Sana / Sana-Sprint folder or URL on an onnxruntime-node backend. */
export async function loadPretrained(source: string, options: PretrainedOptions = {}): Promise<SanaComponents> {
  const backend = await createBackend(options.device ?? 'auto');
  const src = await openModelSource(source, { cacheDir: options.cacheDir, onProgress: options.onDownload });
  return loadComponents(src, backend, {
    ...options,
    openSession: (b, g, label) => sessionFromGraph(b, g, { label, threads: options.threads }),
  });
}
