// The typed record of a Sana pipeline's parts, and how they are loaded from a diffusers folder or URL.
import {
  ConfigError, FormatError, SafetensorsFile, ShardedWeights, parseShardIndex, serializeModel,
  type Backend, type FloatType, type Graph, type Session, type WeightStore,
} from '@sana/core';
import { DcAeDecoder, fromDiffusersConfig as dcAeConfig, type DcAeConfig } from '@sana/dc-ae';
import { SanaTransformer, buildTransformerGraph, fromDiffusersConfig as transformerConfig } from '@sana/linear-dit';
import {
  GemmaTextEncoder, Tokenizer, buildGemma2Graph, fromDiffusersConfig as gemmaConfig, loadGemma2Weights, takeOnce,
} from '@sana/text-encoder';
import { fromDiffusersConfig as schedulerConfig, type SchedulerConfig } from '@sana/flow-dpm-solver';
import { readJson, type ModelSource } from './model-source.js';

/** What a pipeline runs on. Built once by `loadComponents`; the pipeline never probes them afterwards. */
export interface SanaComponents {
  readonly kind: 'SanaPipeline' | 'SanaSprintPipeline';
  readonly textEncoder: GemmaTextEncoder;
  readonly transformer: SanaTransformer;
  readonly vae: DcAeDecoder;
  readonly vaeConfig: DcAeConfig;
  readonly scheduler: SchedulerConfig;
}

export type ComponentName = 'textEncoder' | 'transformer' | 'vae';
export type DTypeName = 'fp32' | 'fp16';
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
  /** How a built graph becomes a session (Node: through external data when over 2 GB). */
  readonly openSession?: (backend: Backend, graph: Graph, label: string) => Promise<Session>;
}

const PIPELINE_CLASSES = ['SanaPipeline', 'SanaSprintPipeline'] as const;

/** The float type of `component` under `dtype`. */
export function floatTypeOf(dtype: DTypeOption | undefined, component: ComponentName): FloatType {
  const name = typeof dtype === 'string' ? dtype : dtype?.[component] ?? 'fp32';
  if (name !== 'fp32' && name !== 'fp16') throw new ConfigError(`dtype${typeof dtype === 'string' ? '' : `.${component}`}`, `is ${JSON.stringify(name)}; expected "fp32" or "fp16"`);
  return name === 'fp16' ? 'float16' : 'float32';
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

async function defaultOpenSession(backend: Backend, graph: Graph, label: string, threads?: number): Promise<Session> {
  return backend.createSession(serializeModel(graph).model, { label, threads });
}

/**
 * Reads `model_index.json` and builds every component of a diffusers Sana or Sana-Sprint checkpoint.
 * @example const parts = await loadComponents(await folderSource('Sana_600M_1024px_diffusers'), backend, { dtype: 'fp16' });
 */
export async function loadComponents(src: ModelSource, backend: Backend, options: LoadOptions = {}): Promise<SanaComponents> {
  const progress = options.onProgress ?? (() => {});
  const index = await readJson(src, 'model_index.json');
  const kind = index._class_name;
  if (typeof kind !== 'string' || !(PIPELINE_CLASSES as readonly string[]).includes(kind)) {
    throw new ConfigError('_class_name', `is ${JSON.stringify(kind)}; expected one of ${PIPELINE_CLASSES.join(', ')}`, `${src.name}/model_index.json`);
  }
  for (const c of ['tokenizer', 'text_encoder', 'transformer', 'vae', 'scheduler']) {
    if (!Array.isArray(index[c])) throw new ConfigError(c, 'is missing: every Sana checkpoint has tokenizer, text_encoder, transformer, vae and scheduler', `${src.name}/model_index.json`);
  }
  const open = options.openSession ?? ((b, g, l) => defaultOpenSession(b, g, l, options.threads));

  progress({ stage: 'config', component: 'scheduler' });
  const scheduler = schedulerConfig(await readJson(src, 'scheduler/scheduler_config.json'), `${src.name}/scheduler/scheduler_config.json`);

  progress({ stage: 'config', component: 'tokenizer' });
  const tokenizer = Tokenizer.fromJson(
    await readJson(src, 'tokenizer/tokenizer.json'),
    (await src.exists('tokenizer/tokenizer_config.json')) ? await readJson(src, 'tokenizer/tokenizer_config.json') : {},
    `${src.name}/tokenizer/tokenizer.json`,
  );

  progress({ stage: 'weights', component: 'text_encoder' });
  const teConfig = gemmaConfig(await readJson(src, 'text_encoder/config.json'), `${src.name}/text_encoder/config.json`);
  const teStore = await openWeights(src, 'text_encoder', 'model');
  const teWeights = takeOnce(await loadGemma2Weights(teStore, teConfig));
  progress({ stage: 'build', component: 'text_encoder' });
  const teGraph = buildGemma2Graph(teConfig, teWeights, { floatType: floatTypeOf(options.dtype, 'textEncoder') });
  progress({ stage: 'session', component: 'text_encoder' });
  const textEncoder = new GemmaTextEncoder(await open(backend, teGraph, 'text_encoder'), teConfig, tokenizer);

  progress({ stage: 'weights', component: 'transformer' });
  const dtConfig = transformerConfig(await readJson(src, 'transformer/config.json'), `${src.name}/transformer/config.json`);
  const dtStore = await openWeights(src, 'transformer', 'diffusion_pytorch_model');
  progress({ stage: 'build', component: 'transformer' });
  const dtFloat = floatTypeOf(options.dtype, 'transformer');
  const dtGraph = await buildTransformerGraph(dtConfig, dtStore, { floatType: dtFloat });
  progress({ stage: 'session', component: 'transformer' });
  const transformer = new SanaTransformer(await open(backend, dtGraph, 'transformer'), dtConfig, dtFloat);

  progress({ stage: 'weights', component: 'vae' });
  const vaeConfig = dcAeConfig(await readJson(src, 'vae/config.json'), `${src.name}/vae/config.json`);
  const vaeStore = await openWeights(src, 'vae', 'diffusion_pytorch_model');
  progress({ stage: 'build', component: 'vae' });
  const vae = await DcAeDecoder.create(backend, vaeConfig, vaeStore, { floatType: floatTypeOf(options.dtype, 'vae'), threads: options.threads });

  if (kind === 'SanaSprintPipeline' && scheduler.kind !== 'scm') {
    throw new ConfigError('scheduler', `is ${scheduler.kind}; a SanaSprintPipeline samples with SCMScheduler`, `${src.name}/scheduler/scheduler_config.json`);
  }
  return { kind: kind as SanaComponents['kind'], textEncoder, transformer, vae, vaeConfig, scheduler };
}
