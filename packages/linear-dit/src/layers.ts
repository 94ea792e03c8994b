// Shared layer helpers of the Linear DiT graph: per-module weights, checkpoint linears, norms, and fp32 islands in fp16 graphs.
// Abbreviations: g = the graph, x = the input value, mw = one module's weights.
import { ops, type FloatType, type Graph, type Value } from '@sana/core';
import type { SanaTransformerConfig } from './config.js';

/** What every module builder needs: the graph, the config, and the checkpoint (shapes already checked). */
export interface BuildContext {
  readonly g: Graph;
  readonly config: SanaTransformerConfig;
  /** Every checkpoint key the config implies. */
  readonly keys: readonly string[];
  /** A checkpoint tensor widened to float32. */
  weight(key: string): Promise<Float32Array>;
}

/**
 * The tensors of one module (`transformer_blocks.3`, `caption_projection`), read together before the module's
 * nodes are added, so graph building itself stays synchronous (and inside `g.scope`) while only one module's
 * float32 weights are held at a time.
 */
export class ModuleWeights {
  constructor(readonly g: Graph, readonly prefix: string, private readonly data: Map<string, Float32Array>) {}

  private take(rel: string): Float32Array {
    const key = this.prefix ? `${this.prefix}.${rel}` : rel;
    const d = this.data.get(key);
    if (!d) throw new Error(`internal: ${key} was not loaded`); // the key lists come from expectedWeights: a bug, not a user error
    this.data.delete(key);
    return d;
  }

  /** The weights of the sub-module `<rel>` (same tensors, longer prefix). */
  sub(rel: string): ModuleWeights {
    return new ModuleWeights(this.g, this.prefix ? `${this.prefix}.${rel}` : rel, this.data);
  }

  /** torch `nn.Linear` `<rel>` with the checkpoint's [out, in] weight (stored transposed for MatMul) and optional bias. */
  linear(x: Value, rel: string, outF: number, inF: number, bias: boolean): Value {
    const { g } = this;
    const key = this.prefix ? `${this.prefix}.${rel}` : rel;
    const w = g.weight(`${key}.weight`, ops.transpose2d(this.take(`${rel}.weight`), outF, inF), [inF, outF]);
    const y = g.node('MatMul', [x, w], {}, { name: `${rel}/MatMul` });
    return bias ? g.node('Add', [y, g.weight(`${key}.bias`, this.take(`${rel}.bias`), [outF])], {}, { name: `${rel}/Add` }) : y;
  }

  /** A float tensor as the checkpoint stores it (conv kernels, tables, norm weights), named by its key. */
  tensor(rel: string, dims: readonly number[]): Value {
    return this.g.weight(this.prefix ? `${this.prefix}.${rel}` : rel, this.take(rel), dims);
  }
}

/** Reads every checkpoint tensor under `prefix` (or exactly the `keys` given) as float32. */
export async function loadModule(ctx: BuildContext, prefix: string, keys?: readonly string[]): Promise<ModuleWeights> {
  const list = keys ?? ctx.keys.filter((k) => k.startsWith(`${prefix}.`));
  const data = new Map<string, Float32Array>();
  for (const k of list) data.set(k, await ctx.weight(k));
  return new ModuleWeights(ctx.g, prefix, data);
}

/** True when activations are fp16 and the sensitive parts need Cast islands. */
export const isHalf = (g: Graph) => g.floatType === 'float16';
/** To float32 (no node in an fp32 graph). */
export const to32 = (g: Graph, x: Value): Value => (isHalf(g) ? ops.cast(g, x, 'float32') : x);
/** Back to the graph's float type (no node in an fp32 graph). */
export const toFt = (g: Graph, x: Value): Value => (isHalf(g) ? ops.cast(g, x, 'float16') : x);

/** The float type attention math runs in, with the casts into and out of it (graph variant `attentionPrecision`). */
export interface AttentionPrecision {
  /** float32 in fp32 graphs and in fp16 graphs that keep the reference's fp32 islands; else float16. */
  readonly type: FloatType;
  /** Graph type -> attention type (no node when they agree). */
  up(x: Value): Value;
  /** Attention type -> graph type (no node when they agree). */
  down(x: Value): Value;
  /** A scalar constant of the attention type. */
  scalar(v: number): Value;
}

/** `keep32`: whether an fp16 graph keeps the attention in fp32 (the reference's upcast). */
export function attentionPrecision(g: Graph, keep32: boolean): AttentionPrecision {
  const island = isHalf(g) && keep32;
  const type: FloatType = island ? 'float32' : g.floatType;
  return {
    type,
    up: (x) => (island ? ops.cast(g, x, 'float32') : x),
    down: (x) => (island ? ops.cast(g, x, 'float16') : x),
    scalar: (v) => g.float(v, undefined, type),
  };
}

/** torch `nn.LayerNorm(dim, elementwise_affine=False)` over the last axis (ONNX needs a scale: ones). */
export function layerNormPlain(g: Graph, x: Value, dim: number, eps: number): Value {
  return ops.layerNorm(g, x, g.float(new Array<number>(dim).fill(1), [dim]), undefined, eps);
}

/**
 * diffusers `RMSNorm(dim, eps, elementwise_affine=True)`: the statistics in fp32 as the reference upcasts,
 * the result back in the graph's type, then times the weight `<rel>.weight`.
 */
export function rmsNormWeighted(mw: ModuleWeights, x: Value, rel: string, dim: number, eps: number): Value {
  const { g } = mw;
  const y = toFt(g, rmsNorm32(g, to32(g, x), eps));
  return g.node('Mul', [y, mw.tensor(`${rel}.weight`, [dim])], {}, { name: `${rel}/Mul` });
}

/** A float32 scalar constant, whatever the graph's float type. */
export const f32 = (g: Graph, v: number): Value => g.float(v, undefined, 'float32');

/** x * rsqrt(mean(x^2) + eps) over the last axis, on a float32 value. */
export function rmsNorm32(g: Graph, x: Value, eps: number): Value {
  const ms = ops.reduceMean(g, ops.mul(g, x, x), [-1]);
  return ops.div(g, x, ops.sqrt(g, ops.add(g, ms, f32(g, eps))), 'RMSNorm');
}

/** GELU, tanh approximation (torch `approximate='tanh'`), evaluated in fp32: x^3 overflows fp16 from |x| > 40. */
export function geluTanh32(g: Graph, x: Value): Value {
  const v = to32(g, x);
  const inner = ops.mul(g, ops.add(g, v, ops.mul(g, ops.mul(g, ops.mul(g, v, v), v), f32(g, 0.044715))), f32(g, Math.sqrt(2 / Math.PI)));
  return toFt(g, ops.mul(g, ops.mul(g, v, f32(g, 0.5)), ops.add(g, ops.tanh(g, inner), f32(g, 1)), 'GeluTanh'));
}

/** Splits `x` into `n` equal pieces of `size` along `axis` (torch `chunk`). */
export function chunk(g: Graph, x: Value, n: number, size: number, axis: number): Value[] {
  return ops.split(g, x, new Array<number>(n).fill(size), axis);
}

/** x * (1 + scale) + shift: the adaLN modulation of Sana (and DiT). */
export function modulate(g: Graph, x: Value, shift: Value, scale: Value): Value {
  return ops.add(g, ops.mul(g, x, ops.add(g, scale, g.float(1))), shift, 'modulate');
}
