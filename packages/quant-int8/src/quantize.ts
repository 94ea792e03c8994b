// The INT8 graph pass (Sana paper, "On-Device Deployment"): W8A8 for ORT CPU, 8-bit MatMulNBits for WebGPU,
// with the paper's keep-in-float policy by node-name patterns.
import { ArgumentError, float32ToFloat16, tensor, type Graph, type NodeSpec, type Value } from '@sana/core';
import { GraphEditor, addInitializer } from './graph-editor.js';
import { findLinearSites, floatData, type LinearSite, type SkippedSite } from './linear-sites.js';
import { DEFAULT_KEEP_FLOAT, compilePattern, matchPattern, type Component, type NamePattern } from './policy.js';
import { activationScheme, rewriteW8A8, type ActivationScheme } from './w8a8-cpu.js';
import { rewriteNBits } from './w8-nbits.js';

/**
 * - 'cpu': W8A8 with ORT CPU's integer kernels (MatMulIntegerToFloat), per-channel symmetric INT8 weights;
 * - 'webgpu': 8-bit block-wise weights through MatMulNBits (runs on ORT WebGPU and on ORT CPU).
 */
export type QuantMode = 'cpu' | 'webgpu';

export interface QuantizeOptions {
  readonly mode: QuantMode;
  /** 'cpu' only: activation scheme (default 'per-tensor', ORT's fast dynamic form; 'per-token' is the paper's). */
  readonly activations?: ActivationScheme;
  /** Linear layers to keep float, by module key or node name (default: the paper's policy for `component`). */
  readonly keepFloat?: readonly NamePattern[];
  /** Whose default policy applies when `keepFloat` is not given (default 'transformer'). */
  readonly component?: Component;
  /**
   * How the weights of layers kept float are stored: 'float16' (default; the paper's "higher precision" is its
   * fp16 model) as fp16 initializers with a Cast to float32 that ORT folds at load, so the compute stays fp32;
   * 'float32' leaves them untouched. fp16 graphs keep theirs as they are.
   */
  readonly keptWeights?: 'float32' | 'float16';
  /** 'webgpu' only: MatMulNBits block size (power of two >= 16, default 128). */
  readonly blockSize?: number;
  /** 'webgpu' only: MatMulNBits accuracy_level (default 0: weight-only). */
  readonly accuracyLevel?: number;
}

export interface QuantizedLayer {
  readonly key: string;
  readonly node: string;
  readonly kind: LinearSite['kind'];
  readonly k: number;
  readonly n: number;
}

export interface QuantizeReport {
  readonly graph: string;
  readonly mode: QuantMode;
  readonly activations?: ActivationScheme;
  readonly quantized: readonly QuantizedLayer[];
  /** Layers a keepFloat pattern kept float, with the pattern. */
  readonly keptFloat: readonly { key: string; node: string; pattern: string }[];
  /** Weighted convs the pass cannot take (k x k, grouped, depth-wise), left float. */
  readonly skipped: readonly SkippedSite[];
  readonly weightBytesBefore: number;
  readonly weightBytesAfter: number;
}

/** Op types that only a quantized graph has; their presence means the pass already ran (or a QDQ model was given). */
const QUANTIZED_OPS = new Set([
  'DynamicQuantizeLinear', 'QuantizeLinear', 'DequantizeLinear', 'MatMulInteger', 'ConvInteger', 'QLinearMatMul', 'QLinearConv',
  'MatMulIntegerToFloat', 'DynamicQuantizeMatMul', 'MatMulNBits', 'GatherBlockQuantized', 'QAttention',
]);

/** Refuses a graph that is already quantized, naming the node that shows it. */
export function assertFloatGraph(g: Graph): void {
  const n = g.nodes.find((x) => QUANTIZED_OPS.has(x.opType));
  if (n) {
    throw new ArgumentError('graph', `"${g.name}" is already quantized: node "${n.name}" is ${n.opType}. Quantize the float graph once `
      + '(build it again from the float checkpoint); quantizing INT8 codes again would only add rounding error');
  }
}

const weightBytes = (g: Graph) => [...g.initializers.values()].reduce((a, t) => a + t.data.byteLength, 0);

/**
 * Quantizes the linear layers of a built graph in place (before serialization) and says what it did.
 * The float weights of quantized layers leave the graph; inputs and outputs keep their names and types.
 * @example
 * const g = await buildTransformerGraph(SANA_600M_1024PX, weights);
 * const report = quantizeGraph(g, { mode: 'cpu' }); // attn2.to_k / to_v stay float (the paper's policy)
 * const session = await backend.createSession(serializeModel(g).model);
 */
export function quantizeGraph(g: Graph, options: QuantizeOptions): QuantizeReport {
  const mode = options.mode;
  if (mode !== 'cpu' && mode !== 'webgpu') throw new ArgumentError('mode', `is ${JSON.stringify(mode)}; expected "cpu" or "webgpu"`);
  const activations = activationScheme(options.activations ?? 'per-tensor');
  if (mode === 'cpu' && g.floatType !== 'float32') {
    throw new ArgumentError('mode', `"cpu" runs ORT's integer kernels on float32 activations, but graph "${g.name}" is ${g.floatType}; build it as float32 (dtype 'int8' does) or use mode "webgpu"`);
  }
  const keptWeights = options.keptWeights ?? 'float16';
  if (keptWeights !== 'float16' && keptWeights !== 'float32') throw new ArgumentError('keptWeights', `is ${JSON.stringify(keptWeights)}; expected "float16" or "float32"`);
  const component = options.component ?? 'transformer';
  if (!(component in DEFAULT_KEEP_FLOAT)) throw new ArgumentError('component', `is ${JSON.stringify(component)}; expected one of ${Object.keys(DEFAULT_KEEP_FLOAT).join(', ')}`);
  assertFloatGraph(g);
  const patterns = (options.keepFloat ?? DEFAULT_KEEP_FLOAT[component]).map(compilePattern);

  const before = weightBytes(g);
  const { sites, skipped } = findLinearSites(g);
  const take: LinearSite[] = [];
  const keptFloat: { key: string; node: string; pattern: string; site: LinearSite }[] = [];
  for (const s of sites) {
    const p = matchPattern(patterns, [s.key, s.node.name]);
    if (p) keptFloat.push({ key: s.key, node: s.node.name, pattern: String(p), site: s });
    else take.push(s);
  }
  const ed = new GraphEditor(g);
  const orphans = mode === 'cpu' ? rewriteW8A8(ed, take, activations) : rewriteNBits(ed, take, options);
  if (keptWeights === 'float16' && g.floatType === 'float32') storeHalf(ed, keptFloat.map((k) => k.site));
  ed.commit();
  ed.dropUnused(orphans);
  return {
    graph: g.name, mode, activations: mode === 'cpu' ? activations : undefined,
    quantized: take.map((s) => ({ key: s.key, node: s.node.name, kind: s.kind, k: s.k, n: s.n })),
    keptFloat: keptFloat.map(({ key, node, pattern }) => ({ key, node, pattern })),
    skipped, weightBytesBefore: before, weightBytesAfter: weightBytes(g),
  };
}

/**
 * Stores the kept layers' float32 weights as fp16 initializers, each read through a Cast back to float32
 * under its old name: the layer's node is untouched and computes in fp32 (ORT folds the Cast at load).
 */
function storeHalf(ed: GraphEditor, kept: readonly LinearSite[]): void {
  const { g } = ed;
  const casts: NodeSpec[] = [];
  const done = new Set<Value>();
  for (const s of kept) {
    for (const name of [s.weight, s.bias]) {
      const t = name === undefined || done.has(name) ? undefined : g.initializers.get(name);
      if (!t || t.dtype !== 'float32') continue;
      done.add(name!);
      const half = addInitializer(g, `${name}.fp16`, tensor('float16', float32ToFloat16(floatData(t)), t.dims));
      g.initializers.delete(name!);
      ed.emit(casts, 'Cast', [half], { to: 1 }, { name: `${name}/to_float32`, outputName: name! }); // TensorProto.FLOAT
    }
  }
  ed.prepend(casts);
}
