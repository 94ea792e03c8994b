// The typed record of a Sana pipeline's parts, and how they are loaded: from a diffusers folder or URL
// (graphs built here from config + safetensors), or from a folder converted by `sana convert` (ONNX files).
import {
  BackendError, ConfigError, FormatError, SafetensorsFile, ShardedWeights, parseShardIndex, serializeModel,
  type Backend, type FloatType, type Graph, type Session, type WeightStore,
} from '@sana/core';
import { DcAeDecoder, buildDecoderGraph, fromDiffusersConfig as dcAeConfig, type DcAeConfig } from '@sana/dc-ae';
import {
  SanaTransformer, buildTransformerGraph, fromDiffusersConfig as transformerConfig, resolveDitVariant, type DitGraphVariant, type SanaTransformerConfig,
} from '@sana/linear-dit';
import {
  GemmaTextEncoder, Tokenizer, buildGemma2Graph, fromDiffusersConfig as gemmaConfig, loadGemma2Weights, takeOnce,
  type Gemma2Config,
} from '@sana/text-encoder';
import { fromDiffusersConfig as schedulerConfig, type SchedulerConfig } from '@sana/flow-dpm-solver';
import { quantizeGraph } from '@sana/quant-int8';
import { readJson, type ModelSource } from './model-source.js';
import { MANIFEST_FILE, checkExternalData, parseManifest, type ConvertedComponent, type Manifest } from './manifest.js';
import { withOutputsOnDevice } from './device-loop.js';

/** What a pipeline runs on. Built once by `loadComponents`; the pipeline never probes them afterwards. */
export interface SanaComponents {
  readonly kind: 'SanaPipeline' | 'SanaSprintPipeline';
  readonly textEncoder: GemmaTextEncoder;
  readonly transformer: SanaTransformer;
  readonly vae: DcAeDecoder;
  readonly vaeConfig: DcAeConfig;
  readonly scheduler: SchedulerConfig;
  /** The backend the sessions run on: the pipelines make their sampler-step session there (device-loop.ts). */
  readonly backend?: Backend;
}

export type ComponentName = 'textEncoder' | 'transformer' | 'vae';
/** 'int8': float32 graphs whose linear layers @sana/quant-int8 quantizes (W8A8 on CPU, 8-bit MatMulNBits on WebGPU). */
export type DTypeName = 'fp32' | 'fp16' | 'int8';
export type DTypeOption = DTypeName | Partial<Record<ComponentName, DTypeName>>;

export interface LoadProgress {
  readonly stage: 'config' | 'weights' | 'build' | 'session';
  readonly component: string;
}

export interface LoadOptions {
  readonly dtype?: DTypeOption;
  /** CPU threads per session (ORT default: all cores). */
  readonly threads?: number;
  readonly onProgress?: (p: LoadProgress) => void;
  /**
   * Layout of the transformer graph built from a diffusers checkpoint (default: the reference layout). Same function,
   * other ops: on the H200's WebGPU EP `{ crossAttention: 'mha' }` ran the Sana-600M forward in 0.92x the time and
   * `{ mixFfn: 'matmul' }` in 0.96x (docs/performance.md, "What each change bought"). Not the default until their fp16
   * numerics on WebGPU are checked against CPU fp32 (the fp32 graphs match the reference on the CPU).
   */
  readonly transformerGraph?: DitGraphVariant;
  /** How a built graph becomes a session (Node: through external data when over 2 GB). */
  readonly openSession?: (backend: Backend, graph: Graph, label: string) => Promise<Session>;
  /**
   * How a converted ONNX file becomes a session (Node: from its local path when it has external data, so ORT finds
   * that beside it). Default: from the bytes, with the manifest's external data files passed along. `modelBytes`
   * is the file as already read (for the external data check), so an opener need not read it again.
   */
  readonly openModelFile?: (backend: Backend, src: ModelSource, model: string, externalData: readonly string[], label: string, modelBytes: Uint8Array) => Promise<Session>;
}

const PIPELINE_CLASSES = ['SanaPipeline', 'SanaSprintPipeline'] as const;
type PipelineKind = (typeof PIPELINE_CLASSES)[number];

/** The dtype name of `component` under `dtype` (default 'fp32'). */
export function dtypeNameOf(dtype: DTypeOption | undefined, component: ComponentName): DTypeName {
  const name = typeof dtype === 'string' ? dtype : dtype?.[component] ?? 'fp32';
  if (name !== 'fp32' && name !== 'fp16' && name !== 'int8') throw new ConfigError(`dtype${typeof dtype === 'string' ? '' : `.${component}`}`, `is ${JSON.stringify(name)}; expected "fp32", "fp16" or "int8"`);
  return name;
}

/** The float type of `component` under `dtype` ('int8' graphs are float32 graphs with INT8 linear layers). */
export function floatTypeOf(dtype: DTypeOption | undefined, component: ComponentName): FloatType {
  return dtypeNameOf(dtype, component) === 'fp16' ? 'float16' : 'float32';
}

/** The weights of a component folder: `<stem>.safetensors`, or sharded through `<stem>.safetensors.index.json`. */
export async function openWeights(src: ModelSource, folder: string, stem: string): Promise<WeightStore> {
  const single = `${folder}/${stem}.safetensors`;
  const index = `${single}.index.json`;
  if (await src.exists(single)) return SafetensorsFile.open(await src.byteSource(single));
  if (await src.exists(index)) {
    const map = parseShardIndex(await src.readText(index), `${src.name}/${index}`);
    return ShardedWeights.open(`${src.name}/${index}`, map, async (shard) => SafetensorsFile.open(await src.byteSource(`${folder}/${shard}`)));
  }
  throw new FormatError(`has neither ${stem}.safetensors nor ${stem}.safetensors.index.json`, `${src.name}/${folder}`);
}

/** `model_index.json`: the pipeline class, and every component Sana needs listed. */
export async function readModelIndex(src: ModelSource): Promise<PipelineKind> {
  const file = `${src.name}/model_index.json`;
  const index = await readJson(src, 'model_index.json');
  const kind = index._class_name;
  if (typeof kind !== 'string' || !(PIPELINE_CLASSES as readonly string[]).includes(kind)) {
    throw new ConfigError('_class_name', `is ${JSON.stringify(kind)}; expected one of ${PIPELINE_CLASSES.join(', ')}`, file);
  }
  for (const c of ['tokenizer', 'text_encoder', 'transformer', 'vae', 'scheduler']) {
    if (!Array.isArray(index[c])) throw new ConfigError(c, 'is missing: every Sana checkpoint has tokenizer, text_encoder, transformer, vae and scheduler', file);
  }
  return kind as PipelineKind;
}

export const readSchedulerConfig = async (src: ModelSource, rel = 'scheduler/scheduler_config.json') =>
  schedulerConfig(await readJson(src, rel), `${src.name}/${rel}`);
export const readGemmaConfig = async (src: ModelSource, rel = 'text_encoder/config.json'): Promise<Gemma2Config> =>
  gemmaConfig(await readJson(src, rel), `${src.name}/${rel}`);
export const readTransformerConfig = async (src: ModelSource, rel = 'transformer/config.json'): Promise<SanaTransformerConfig> =>
  transformerConfig(await readJson(src, rel), `${src.name}/${rel}`);
export const readVaeConfig = async (src: ModelSource, rel = 'vae/config.json'): Promise<DcAeConfig> =>
  dcAeConfig(await readJson(src, rel), `${src.name}/${rel}`);

export async function readTokenizer(src: ModelSource, rel = 'tokenizer/tokenizer.json', configRel: string | undefined = 'tokenizer/tokenizer_config.json'): Promise<Tokenizer> {
  const cfg = configRel && (await src.exists(configRel)) ? await readJson(src, configRel) : {};
  return Tokenizer.fromJson(await readJson(src, rel), cfg, `${src.name}/${rel}`);
}

/** `options.transformerGraph` checked and filled in (errors name `transformerGraph.<field>`); undefined when not given. */
export const transformerGraphOf = (options: { readonly transformerGraph?: DitGraphVariant }) =>
  options.transformerGraph === undefined ? undefined : resolveDitVariant(options.transformerGraph, 'transformerGraph');

/** The three graphs of a diffusers checkpoint, one at a time (each holds its weights: build, use, drop). */
export const graphBuilders = {
  async text_encoder(src: ModelSource, ft: FloatType): Promise<Graph> {
    const config = await readGemmaConfig(src);
    const weights = takeOnce(await loadGemma2Weights(await openWeights(src, 'text_encoder', 'model'), config));
    return buildGemma2Graph(config, weights, { floatType: ft });
  },
  async transformer(src: ModelSource, ft: FloatType, variant?: DitGraphVariant): Promise<Graph> {
    return buildTransformerGraph(await readTransformerConfig(src), await openWeights(src, 'transformer', 'diffusion_pytorch_model'), { floatType: ft, variant });
  },
  async vae_decoder(src: ModelSource, ft: FloatType): Promise<Graph> {
    return buildDecoderGraph(await readVaeConfig(src), await openWeights(src, 'vae', 'diffusion_pytorch_model'), { floatType: ft });
  },
} satisfies Record<ConvertedComponent, (src: ModelSource, ft: FloatType, variant?: DitGraphVariant) => Promise<Graph>>;

export const DTYPE_KEY: Record<ConvertedComponent, ComponentName> = { text_encoder: 'textEncoder', transformer: 'transformer', vae_decoder: 'vae' };
export const componentFloatType = (dtype: DTypeOption | undefined, c: ConvertedComponent) => floatTypeOf(dtype, DTYPE_KEY[c]);

async function defaultOpenModelFile(backend: Backend, src: ModelSource, model: string, externalData: readonly string[], label: string, modelBytes: Uint8Array): Promise<Session> {
  const dir = model.includes('/') ? model.slice(0, model.lastIndexOf('/') + 1) : '';
  const ext = await Promise.all(externalData.map(async (p) => ({ path: p.slice(dir.length), data: await src.readBytes(p) })));
  return backend.createSession(modelBytes, { label, externalData: ext.length ? ext : undefined });
}

/**
 * Builds or opens every component of a Sana / Sana-Sprint model: a diffusers checkpoint (graphs built from
 * config + weights) or a converted folder (`manifest.json`, ONNX files).
 * @example const parts = await loadComponents(await folderSource('Sana_600M_1024px_diffusers'), backend, { dtype: 'fp16' });
 */
export async function loadComponents(src: ModelSource, backend: Backend, options: LoadOptions = {}): Promise<SanaComponents> {
  if (await src.exists(MANIFEST_FILE)) {
    if (options.transformerGraph !== undefined) throw new ConfigError('transformerGraph', 'applies to graphs built from a diffusers checkpoint; a converted folder has its graph already (pass it to convert instead)', `${src.name}/${MANIFEST_FILE}`);
    return loadConverted(src, backend, options);
  }
  const variant = transformerGraphOf(options); // a bad field fails before any weight is read
  const progress = options.onProgress ?? (() => {});
  const kind = await readModelIndex(src);
  const open = options.openSession ?? ((b, g, l) => b.createSession(serializeModel(g).model, { label: l, threads: options.threads }));

  progress({ stage: 'config', component: 'scheduler' });
  const scheduler = await readSchedulerConfig(src);
  checkKind(kind, scheduler, `${src.name}/scheduler/scheduler_config.json`);
  progress({ stage: 'config', component: 'tokenizer' });
  const tokenizer = await readTokenizer(src);
  const session = async (c: ConvertedComponent, label: string) => {
    progress({ stage: 'build', component: label });
    const graph = await graphBuilders[c](src, componentFloatType(options.dtype, c), variant);
    // dtype 'int8': the paper's W8A8 policy per component, in the form the backend runs (MatMulNBits on WebGPU).
    if (dtypeNameOf(options.dtype, DTYPE_KEY[c]) === 'int8') quantizeGraph(graph, { mode: backend.device === 'webgpu' ? 'webgpu' : 'cpu', component: DTYPE_KEY[c] });
    progress({ stage: 'session', component: label });
    // The transformer's output stays on the device where the backend can keep it, for the device loop.
    return open(c === 'transformer' ? withOutputsOnDevice(backend) : backend, graph, label);
  };
  const gemma = await readGemmaConfig(src);
  checkVocab(tokenizer, gemma, `${src.name}/text_encoder/config.json`);
  const textEncoder = new GemmaTextEncoder(await session('text_encoder', 'text_encoder'), gemma, tokenizer);
  const transformer = new SanaTransformer(await session('transformer', 'transformer'), await readTransformerConfig(src), componentFloatType(options.dtype, 'transformer'));
  const vaeConfig = await readVaeConfig(src);
  const vae = DcAeDecoder.fromSession(vaeConfig, await session('vae_decoder', 'vae'));
  return { kind, textEncoder, transformer, vae, vaeConfig, scheduler, backend };
}

/** Every id the tokenizer can produce must index a row of the text encoder's embedding table. */
function checkVocab(tokenizer: Tokenizer, config: Gemma2Config, file: string) {
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new ConfigError('vocab_size', `is ${config.vocabSize}, but ${tokenizer.name} has token ids up to ${tokenizer.vocabSize - 1}`, file);
  }
}

function checkKind(kind: PipelineKind, scheduler: SchedulerConfig, file: string) {
  if (kind === 'SanaSprintPipeline' && scheduler.kind !== 'scm') throw new ConfigError('_class_name', `is ${scheduler.kind}; a SanaSprintPipeline samples with SCMScheduler`, file);
}

/** A folder written by `sana convert`: configs and tokenizer as in diffusers, graphs as ONNX files. */
async function loadConverted(src: ModelSource, backend: Backend, options: LoadOptions): Promise<SanaComponents> {
  const progress = options.onProgress ?? (() => {});
  const m: Manifest = parseManifest(await readJson(src, MANIFEST_FILE), `${src.name}/${MANIFEST_FILE}`);
  const scheduler = await readSchedulerConfig(src, m.scheduler);
  checkKind(m.pipeline, scheduler, `${src.name}/${m.scheduler}`);
  const tokenizer = await readTokenizer(src, m.tokenizer.tokenizer, m.tokenizer.config);
  const openFile = options.openModelFile ?? defaultOpenModelFile;
  const session = async (c: ConvertedComponent, label: string) => {
    const e = m.components[c];
    progress({ stage: 'session', component: label });
    // Every external data path the ONNX file names must be one the manifest lists (all inside the folder).
    const file = `${src.name}/${e.model}`;
    const bytes = await src.readBytes(e.model);
    checkExternalData(bytes, e.model, e.externalData, file);
    try {
      return await openFile(c === 'transformer' ? withOutputsOnDevice(backend) : backend, src, e.model, e.externalData, label, bytes);
    } catch (err) {
      // A corrupt or hand-edited ONNX file: name the file, not just ORT's parser message.
      if (err instanceof BackendError) throw new FormatError(`ONNX Runtime could not open it as the ${label} (${err.message})`, file, { cause: err });
      throw err;
    }
  };
  const c = m.components;
  const gemma = await readGemmaConfig(src, c.text_encoder.config);
  checkVocab(tokenizer, gemma, `${src.name}/${c.text_encoder.config}`);
  const textEncoder = new GemmaTextEncoder(await session('text_encoder', 'text_encoder'), gemma, tokenizer);
  const transformer = new SanaTransformer(await session('transformer', 'transformer'), await readTransformerConfig(src, c.transformer.config), c.transformer.floatType);
  const vaeConfig = await readVaeConfig(src, c.vae_decoder.config);
  const vae = DcAeDecoder.fromSession(vaeConfig, await session('vae_decoder', 'vae'));
  return { kind: m.pipeline, textEncoder, transformer, vae, vaeConfig, scheduler, backend };
}
