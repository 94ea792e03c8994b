// @sana/pipeline for Node: the pipelines with `fromPretrained` over folders and URLs (onnxruntime-node).
import { SanaPipeline as Base } from './sana-pipeline.js';
import { SanaSprintPipeline as SprintBase } from './sana-sprint-pipeline.js';
import { loadPretrained, type PretrainedOptions } from './node-pretrained.js';

export * from './index.js';
export { loadPretrained, type PretrainedOptions } from './node-pretrained.js';
export { folderSource, urlSource, openModelSource, DownloadError, type DownloadProgress, type UrlSourceOptions } from './node-model-source.js';

/**
 * Sana text-to-image in Node.
 * @example
 * import { SanaPipeline, encodePng } from '@sana/pipeline';
 * const pipe = await SanaPipeline.fromPretrained('./Sana_600M_1024px_diffusers', { dtype: 'fp32' });
 * const { images: [img] } = await pipe.generate({ prompt: 'a red fox in the snow', seed: 1 });
 * writeFileSync('fox.png', encodePng(img.rgba, img.width, img.height));
 */
export class SanaPipeline extends Base {
  /** `source`: a diffusers checkpoint folder or a base URL with the same layout (e.g. a Hugging Face `resolve/main`). */
  static async fromPretrained(source: string, options: PretrainedOptions = {}): Promise<SanaPipeline> {
    return new SanaPipeline(await loadPretrained(source, options));
  }
}

/** Sana-Sprint (1-4 steps) in Node; see `SanaPipeline` for the loading options. */
export class SanaSprintPipeline extends SprintBase {
  static async fromPretrained(source: string, options: PretrainedOptions = {}): Promise<SanaSprintPipeline> {
    return new SanaSprintPipeline(await loadPretrained(source, options));
  }
}
