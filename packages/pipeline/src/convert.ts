// `sana convert`: a diffusers checkpoint -> ONNX graphs + manifest, so browsers and later runs skip the build.
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ArgumentError, IN_MEMORY_LIMIT, serializeModel, writeOnnxModel, type Graph } from '@sana/core';
import type { DitGraphVariant } from '@sana/linear-dit';
import { quantizeGraph } from '@sana/quant-int8';
import { componentFloatType, dtypeNameOf, graphBuilders, readModelIndex, readSchedulerConfig, transformerGraphOf, DTYPE_KEY, type DTypeOption } from './components.js';
import { CONVERTED_COMPONENTS, MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, type ConvertedComponent, type Manifest, type ManifestModel } from './manifest.js';
import { openModelSource, type DownloadProgress } from './node-model-source.js';
import type { ModelSource } from './model-source.js';

export interface ConvertOptions {
  readonly dtype?: DTypeOption;
  /** For dtype 'int8': the runtime the INT8 form is for ('cpu': W8A8 integer kernels; 'webgpu': 8-bit MatMulNBits). */
  readonly int8Target?: 'cpu' | 'webgpu';
  readonly cacheDir?: string;
  readonly onProgress?: (p: { component: ConvertedComponent; stage: 'build' | 'write' }) => void;
  readonly onDownload?: (p: DownloadProgress) => void;
  /** Layout of the transformer graph written (LoadOptions.transformerGraph); default: the reference layout. */
  readonly transformerGraph?: DitGraphVariant;
  /** A pass over each graph before it is written (e.g. INT8 quantization); returns a label for the manifest. */
  readonly transform?: (graph: Graph, component: ConvertedComponent) => Promise<string | undefined> | string | undefined;
}

const CONFIG_OF: Record<ConvertedComponent, string> = {
  text_encoder: 'text_encoder/config.json', transformer: 'transformer/config.json', vae_decoder: 'vae/config.json',
};

async function copyText(src: ModelSource, rel: string, out: string) {
  await mkdir(dirname(join(out, rel)), { recursive: true });
  await writeFile(join(out, rel), await src.readText(rel));
}

/**
 * Converts `source` (folder or URL) into `outDir`: `manifest.json`, the configs and tokenizer, and
 * `<component>/model.onnx` (+ `model.onnx.data` above 1.5 GB of weights). Written into a temporary folder
 * beside `outDir` and renamed at the end, so a failed conversion leaves nothing half-written.
 * @example await convertCheckpoint('Sana_600M_1024px_diffusers', 'sana-600m-onnx', { dtype: 'fp16' });
 */
export async function convertCheckpoint(source: string, outDir: string, options: ConvertOptions = {}): Promise<Manifest> {
  await checkOutDir(outDir);
  const variant = transformerGraphOf(options); // a bad field fails before any download
  const src = await openModelSource(source, { cacheDir: options.cacheDir, onProgress: options.onDownload });
  const pipeline = await readModelIndex(src);
  await readSchedulerConfig(src); // refuse an unsupported scheduler before the long part
  const tmp = `${outDir.replace(/\/+$/, '')}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  try {
    await mkdir(tmp, { recursive: true });
    for (const rel of ['model_index.json', 'scheduler/scheduler_config.json', 'tokenizer/tokenizer.json']) await copyText(src, rel, tmp);
    const hasTokConfig = await src.exists('tokenizer/tokenizer_config.json');
    if (hasTokConfig) await copyText(src, 'tokenizer/tokenizer_config.json', tmp);
    const components = {} as Record<ConvertedComponent, ManifestModel>;
    for (const c of CONVERTED_COMPONENTS) {
      options.onProgress?.({ component: c, stage: 'build' });
      const ft = componentFloatType(options.dtype, c);
      const graph = await graphBuilders[c](src, ft, variant);
      let quantized = await options.transform?.(graph, c);
      if (dtypeNameOf(options.dtype, DTYPE_KEY[c]) === 'int8') {
        const mode = options.int8Target ?? 'cpu';
        quantizeGraph(graph, { mode, component: DTYPE_KEY[c] });
        quantized = `int8-${mode}`;
      }
      options.onProgress?.({ component: c, stage: 'write' });
      let bytes = 0;
      for (const t of graph.initializers.values()) bytes += t.data.byteLength;
      const external = bytes >= IN_MEMORY_LIMIT;
      await mkdir(join(tmp, c), { recursive: true });
      await writeOnnxModel(join(tmp, c, 'model.onnx'), serializeModel(graph, external ? { externalDataName: 'model.onnx.data' } : {}));
      await copyText(src, CONFIG_OF[c], tmp);
      components[c] = {
        model: `${c}/model.onnx`, externalData: external ? [`${c}/model.onnx.data`] : [], config: CONFIG_OF[c], floatType: ft,
        ...(quantized ? { quantized } : {}),
      };
    }
    const manifest: Manifest = {
      format: MANIFEST_FORMAT, version: MANIFEST_VERSION, pipeline, components,
      tokenizer: { tokenizer: 'tokenizer/tokenizer.json', ...(hasTokConfig ? { config: 'tokenizer/tokenizer_config.json' } : {}) },
      scheduler: 'scheduler/scheduler_config.json',
    };
    await writeFile(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(outDir, { recursive: true, force: true });
    await rename(tmp, outDir);
    return manifest;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** The output folder may be new, empty, or an earlier conversion (replaced); anything else is refused. */
async function checkOutDir(outDir: string) {
  const st = await stat(outDir).catch(() => undefined);
  if (!st) return;
  if (!st.isDirectory()) throw new ArgumentError('out-dir', `${outDir} exists and is not a folder`);
  const entries = await readdir(outDir);
  if (entries.length && !entries.includes(MANIFEST_FILE)) {
    throw new ArgumentError('out-dir', `${outDir} is not empty and holds no ${MANIFEST_FILE}; choose a new or empty folder (an earlier conversion is replaced)`);
  }
}
