// The converted-model manifest (`sana convert`): which ONNX graphs, configs and tokenizer files a folder holds.
import { ConfigError, FormatError } from '@sana/core';
import onnxProto from 'onnx-proto';
import { checkRelativePath } from './model-source.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'sana-ts-onnx';
export const MANIFEST_VERSION = 1;

export type ConvertedComponent = 'text_encoder' | 'transformer' | 'vae_decoder';
export const CONVERTED_COMPONENTS: readonly ConvertedComponent[] = ['text_encoder', 'transformer', 'vae_decoder'];

export interface ManifestModel {
  /** The ONNX file, relative to the manifest. */
  readonly model: string;
  /** External data files the model names, relative to the manifest (empty when the weights are inline). */
  readonly externalData: readonly string[];
  /** The component's diffusers config.json, copied beside the model. */
  readonly config: string;
  readonly floatType: 'float32' | 'float16';
  readonly quantized?: string;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: number;
  readonly pipeline: 'SanaPipeline' | 'SanaSprintPipeline';
  readonly components: Readonly<Record<ConvertedComponent, ManifestModel>>;
  readonly tokenizer: { readonly tokenizer: string; readonly config?: string };
  readonly scheduler: string;
}

/** Validates a parsed manifest: every field typed, every path a plain relative path inside the folder. */
export function parseManifest(json: unknown, file: string): Manifest {
  const fail = (field: string, msg: string) => new ConfigError(field, msg, file);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FormatError('must be a JSON object', file);
  const m = json as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT) throw fail('format', `is ${JSON.stringify(m.format)}; expected "${MANIFEST_FORMAT}"`);
  if (m.version !== MANIFEST_VERSION) throw fail('version', `is ${JSON.stringify(m.version)}; this sana-ts reads version ${MANIFEST_VERSION}`);
  if (m.pipeline !== 'SanaPipeline' && m.pipeline !== 'SanaSprintPipeline') throw fail('pipeline', `is ${JSON.stringify(m.pipeline)}; expected SanaPipeline or SanaSprintPipeline`);
  const path = (field: string, v: unknown) => {
    if (typeof v !== 'string') throw fail(field, `must be a path string, got ${JSON.stringify(v)}`);
    try {
      return checkRelativePath(v, file);
    } catch (e) {
      throw fail(field, (e as Error).message.replace(`${file}: `, ''));
    }
  };
  const comps = m.components as Record<string, unknown> | undefined;
  if (typeof comps !== 'object' || comps === null) throw fail('components', 'must be an object');
  const components = {} as Record<ConvertedComponent, ManifestModel>;
  for (const c of CONVERTED_COMPONENTS) {
    const e = comps[c] as Record<string, unknown> | undefined;
    if (typeof e !== 'object' || e === null) throw fail(`components.${c}`, 'is missing');
    const ext = e.externalData ?? [];
    if (!Array.isArray(ext)) throw fail(`components.${c}.externalData`, 'must be a list of paths');
    if (e.floatType !== 'float32' && e.floatType !== 'float16') throw fail(`components.${c}.floatType`, `is ${JSON.stringify(e.floatType)}; expected "float32" or "float16"`);
    components[c] = {
      model: path(`components.${c}.model`, e.model),
      externalData: ext.map((x, i) => path(`components.${c}.externalData[${i}]`, x)),
      config: path(`components.${c}.config`, e.config),
      floatType: e.floatType,
      ...(typeof e.quantized === 'string' ? { quantized: e.quantized } : {}),
    };
  }
  const tok = m.tokenizer as Record<string, unknown> | undefined;
  if (typeof tok !== 'object' || tok === null) throw fail('tokenizer', 'must be an object');
  return {
    format: MANIFEST_FORMAT, version: MANIFEST_VERSION, pipeline: m.pipeline, components,
    tokenizer: { tokenizer: path('tokenizer.tokenizer', tok.tokenizer), ...(tok.config !== undefined ? { config: path('tokenizer.config', tok.config) } : {}) },
    scheduler: path('scheduler', m.scheduler),
  };
}

type TensorProto = onnxProto.onnx.ITensorProto;
type GraphProto = onnxProto.onnx.IGraphProto;
type NodeProto = onnxProto.onnx.INodeProto;

/**
 * Every tensor of a model that could carry an external-data location: initializers, sparse initializers and
 * constant tensors in node attributes, in the main graph, in subgraphs (If / Loop / Scan bodies) and in
 * model-local functions. ORT resolves external data for all of them, so all of them are checked.
 */
function* allTensors(model: onnxProto.onnx.IModelProto): Generator<{ t: TensorProto; where: string }> {
  function* fromNodes(nodes: readonly NodeProto[] | null | undefined, where: string): Generator<{ t: TensorProto; where: string }> {
    for (const n of nodes ?? []) {
      for (const a of n.attribute ?? []) {
        const at = `${where}node "${n.name ?? ''}" attribute "${a.name ?? ''}" `;
        if (a.t) yield { t: a.t, where: at };
        for (const t of a.tensors ?? []) yield { t, where: at };
        for (const sp of [a.sparseTensor, ...(a.sparseTensors ?? [])]) {
          if (sp?.values) yield { t: sp.values, where: at };
          if (sp?.indices) yield { t: sp.indices, where: at };
        }
        for (const g of [a.g, ...(a.graphs ?? [])]) if (g) yield* fromGraph(g, at);
      }
    }
  }
  function* fromGraph(g: GraphProto, where: string): Generator<{ t: TensorProto; where: string }> {
    for (const t of g.initializer ?? []) yield { t, where };
    for (const sp of g.sparseInitializer ?? []) {
      if (sp.values) yield { t: sp.values, where };
      if (sp.indices) yield { t: sp.indices, where };
    }
    yield* fromNodes(g.node, where);
  }
  if (model.graph) yield* fromGraph(model.graph, '');
  for (const f of model.functions ?? []) yield* fromNodes(f.node, `function "${f.name ?? ''}" `);
}

/**
 * The external data files an ONNX model names, each checked to be one of `allowed` (the manifest's list for
 * that model, resolved against the model's folder). Runs before ONNX Runtime sees the model, so a model that
 * points its weights at `../../secret`, `/etc/passwd` or `https://evil.example/w.bin` is refused before
 * anything is read or fetched.
 * @example checkExternalData(bytes, 'transformer/model.onnx', ['transformer/model.onnx.data'], 'm/transformer/model.onnx');
 */
export function checkExternalData(modelBytes: Uint8Array, modelPath: string, allowed: readonly string[], file: string): void {
  let model;
  try {
    model = onnxProto.onnx.ModelProto.decode(modelBytes);
  } catch (e) {
    throw new FormatError(`is not an ONNX model (${(e as Error).message})`, file);
  }
  const dir = modelPath.includes('/') ? modelPath.slice(0, modelPath.lastIndexOf('/') + 1) : '';
  for (const { t, where } of allTensors(model)) {
    const what = `${where}tensor "${t.name ?? ''}"`;
    const loc = (t.externalData ?? []).find((kv) => kv.key === 'location')?.value;
    if (loc === undefined || loc === null) {
      if (t.dataLocation === onnxProto.onnx.TensorProto.DataLocation.EXTERNAL) throw new FormatError(`${what} is marked external but names no location`, file);
      continue;
    }
    let rel: string;
    try {
      rel = checkRelativePath(dir + checkRelativePath(loc, file), file);
    } catch {
      throw new FormatError(`${what} keeps its data at ${JSON.stringify(loc)}, outside the model folder`, file);
    }
    if (!allowed.includes(rel)) throw new FormatError(`${what} keeps its data in ${JSON.stringify(loc)}, which the manifest does not list`, file);
  }
}
