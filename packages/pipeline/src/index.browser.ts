// @sana/pipeline for browsers: the pipelines with `fromPretrained` over a URL (onnxruntime-web: webgpu, wasm).
import { createBackend, type Device } from '@sana/core';
import { SanaPipeline as Base } from './sana-pipeline.js';
import { SanaSprintPipeline as SprintBase } from './sana-sprint-pipeline.js';
import { loadComponents, type LoadOptions, type SanaComponents } from './components.js';
import { webSource, type WebSourceOptions } from './web-model-source.js';

export * from './index.js';
export { webSource, WebDownloadError, type WebSourceOptions } from './web-model-source.js';

export interface WebPretrainedOptions extends Omit<LoadOptions, 'openSession'> {
  readonly cacheName?: WebSourceOptions['cacheName'];
  readonly onDownload?: WebSourceOptions['onProgress'];
  /** 'auto' (WebGPU when the browser has an adapter, else wasm), 'webgpu' or 'wasm'. */
  readonly device?: Device;
}

async function load(url: string, options: WebPretrainedOptions): Promise<SanaComponents> {
  const backend = await createBackend(options.device ?? 'auto');
  return loadComponents(webSource(url, { cacheName: options.cacheName, onProgress: options.onDownload }), backend, options);
}

/** Sana in the browser, from a model URL. */
export class SanaPipeline extends Base {
  static async fromPretrained(url: string, options: WebPretrainedOptions = {}): Promise<SanaPipeline> {
    return new SanaPipeline(await load(url, options));
  }
}

/** Sana-Sprint in the browser, from a model URL. */
export class SanaSprintPipeline extends SprintBase {
  static async fromPretrained(url: string, options: WebPretrainedOptions = {}): Promise<SanaSprintPipeline> {
    return new SanaSprintPipeline(await load(url, options));
  }
}
