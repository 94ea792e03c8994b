// One helper per ONNX op Sana needs, plus a few named composites (linear, silu, geluTanh, rmsNorm).
// Abbreviations: g = the graph, x = the input value.
import type { DType } from '../dtype.js';
import { Graph, type Value, type AttrValue } from './graph.js';

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Readonly<Record<DType, number>> = {
  float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, bfloat16: 16,
};

const unary = (op: string) => (g: Graph, x: Value, name?: string): Value => g.node(op, [x], {}, { name: name ?? op });
const binary = (op: string) => (g: Graph, a: Value, b: Value, name?: string): Value => g.node(op, [a, b], {}, { name: name ?? op });

export const add = binary('Add');
export const sub = binary('Sub');
export const mul = binary('Mul');
export const div = binary('Div');
export const pow = binary('Pow');
export const matMul = binary('MatMul');
export const equal = binary('Equal');
export const less = binary('Less');
export const greater = binary('Greater');
export const and = binary('And');
export const sqrt = unary('Sqrt');
export const exp = unary('Exp');
export const tanh = unary('Tanh');
export const sigmoid = unary('Sigmoid');
export const relu = unary('Relu');
export const erf = unary('Erf');
export const sin = unary('Sin');
export const cos = unary('Cos');
export const neg = unary('Neg');
export const reciprocal = unary('Reciprocal');
export const not = unary('Not');
export const identity = unary('Identity');

export function gemm(g: Graph, a: Value, b: Value, c?: Value, attrs: { transA?: number; transB?: number; alpha?: number; beta?: number } = {}): Value {
  const at: Record<string, AttrValue> = {};
  if (attrs.transA) at.transA = attrs.transA;
  if (attrs.transB) at.transB = attrs.transB;
  if (attrs.alpha !== undefined) at.alpha = { float: attrs.alpha };
  if (attrs.beta !== undefined) at.beta = { float: attrs.beta };
  return g.node('Gemm', c ? [a, b, c] : [a, b], at);
}

export interface ConvOptions {
  readonly group?: number;
  readonly pads?: readonly number[];
  readonly strides?: readonly number[];
  readonly dilations?: readonly number[];
  readonly name?: string;
}

/** Conv over NCHW; `w` is [C_out, C_in / group, kH, kW]. Grouped and depth-wise through `group`. */
export function conv(g: Graph, x: Value, w: Value, b: Value | undefined, o: ConvOptions = {}): Value {
  const attrs: Record<string, AttrValue> = {};
  if (o.group && o.group !== 1) attrs.group = o.group;
  if (o.pads) attrs.pads = o.pads;
  // Explicit strides and dilations: onnxruntime-web's WebGPU Conv refuses a node without them.
  attrs.strides = o.strides ?? [1, 1];
  attrs.dilations = o.dilations ?? [1, 1];
  return g.node('Conv', b ? [x, w, b] : [x, w], attrs, { name: o.name ?? 'Conv' });
}

/** Reshape to a static shape (0 copies a dim, -1 infers one) or to a shape value. */
export function reshape(g: Graph, x: Value, shape: readonly number[] | Value, name?: string): Value {
  const s = typeof shape === 'string' ? shape : g.int64(shape);
  return g.node('Reshape', [x, s], {}, { name: name ?? 'Reshape' });
}

export function transpose(g: Graph, x: Value, perm: readonly number[], name?: string): Value {
  return g.node('Transpose', [x], { perm }, { name: name ?? 'Transpose' });
}

export function concat(g: Graph, xs: readonly Value[], axis: number, name?: string): Value {
  return g.node('Concat', xs, { axis }, { name: name ?? 'Concat' });
}

/** Splits `x` along `axis` into pieces of `sizes`. */
export function split(g: Graph, x: Value, sizes: readonly number[], axis: number, name?: string): Value[] {
  return g.nodeMulti('Split', [x, g.int64(sizes)], { axis }, { outputs: sizes.length, name: name ?? 'Split' });
}

export function slice(g: Graph, x: Value, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): Value {
  const ins = [x, g.int64(starts), g.int64(ends), g.int64(axes)];
  if (steps) ins.push(g.int64(steps));
  return g.node('Slice', ins);
}

/** Slice with start/end given as values (for symbolic lengths). */
export function sliceDyn(g: Graph, x: Value, starts: Value, ends: Value, axes: readonly number[]): Value {
  return g.node('Slice', [x, starts, ends, g.int64(axes)]);
}

export function gather(g: Graph, x: Value, indices: Value, axis = 0): Value {
  return g.node('Gather', [x, indices], { axis });
}

export function unsqueeze(g: Graph, x: Value, axes: readonly number[]): Value {
  return g.node('Unsqueeze', [x, g.int64(axes)]);
}

export function squeeze(g: Graph, x: Value, axes: readonly number[]): Value {
  return g.node('Squeeze', [x, g.int64(axes)]);
}

export function expand(g: Graph, x: Value, shape: Value): Value {
  return g.node('Expand', [x, shape]);
}

export function where(g: Graph, cond: Value, a: Value, b: Value): Value {
  return g.node('Where', [cond, a, b]);
}

/** ReduceMean / ReduceMax: axes is an attribute up to opset 17, an input from 18. */
function reduceAttr(op: string) {
  return (g: Graph, x: Value, axes: readonly number[], keepdims = true): Value =>
    g.opset >= 18
      ? g.node(op, [x, g.int64(axes)], { keepdims: keepdims ? 1 : 0 })
      : g.node(op, [x], { axes, keepdims: keepdims ? 1 : 0 });
}
export const reduceMean = reduceAttr('ReduceMean');
export const reduceMax = reduceAttr('ReduceMax');

/** ReduceSum takes axes as an input since opset 13. */
export function reduceSum(g: Graph, x: Value, axes: readonly number[], keepdims = true): Value {
  return g.node('ReduceSum', [x, g.int64(axes)], { keepdims: keepdims ? 1 : 0 });
}

export function softmax(g: Graph, x: Value, axis = -1): Value {
  return g.node('Softmax', [x], { axis });
}

/** LayerNormalization over the trailing axes from `axis`; scale is required by ONNX, bias optional. */
export function layerNorm(g: Graph, x: Value, scale: Value, bias: Value | undefined, eps: number, axis = -1): Value {
  return g.node('LayerNormalization', bias ? [x, scale, bias] : [x, scale], { axis, epsilon: { float: eps } }, { name: 'LayerNorm' });
}

export function cast(g: Graph, x: Value, to: DType): Value {
  return g.node('Cast', [x], { to: ONNX_DTYPE[to] });
}

/** Casts a float value to the graph's float type (no node when it already is). */
export function castTo(g: Graph, x: Value, from: DType, to: DType): Value {
  return from === to ? x : cast(g, x, to);
}

export function depthToSpace(g: Graph, x: Value, blocksize: number, mode: 'DCR' | 'CRD' = 'CRD'): Value {
  return g.node('DepthToSpace', [x], { blocksize, mode });
}

export function spaceToDepth(g: Graph, x: Value, blocksize: number): Value {
  return g.node('SpaceToDepth', [x], { blocksize });
}

/** Nearest-neighbour resize of NCHW by integer scales (torch `interpolate(mode='nearest')`). */
export function resizeNearest(g: Graph, x: Value, scaleH: number, scaleW: number): Value {
  return g.node('Resize', [x, '', g.float([1, 1, scaleH, scaleW], [4], 'float32')], {
    mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor',
  });
}

export function pad(g: Graph, x: Value, pads: readonly number[], mode: 'constant' | 'reflect' | 'edge' = 'constant'): Value {
  return g.node('Pad', [x, g.int64(pads)], { mode });
}

export function range(g: Graph, start: Value, limit: Value, delta: Value): Value {
  return g.node('Range', [start, limit, delta]);
}

/** The shape of `x` as int64, optionally sliced to [start, end). */
export function shape(g: Graph, x: Value, start?: number, end?: number): Value {
  const attrs: Record<string, AttrValue> = {};
  if (start !== undefined) attrs.start = start;
  if (end !== undefined) attrs.end = end;
  return g.node('Shape', [x], attrs);
}

// ---- composites ----

/** x @ W^T + b with the checkpoint's [out, in] weight, stored transposed as [in, out] for MatMul. */
export function linear(g: Graph, x: Value, key: string, weight: Float32Array, outF: number, inF: number, bias?: Float32Array): Value {
  const wt = transpose2d(weight, outF, inF);
  const w = g.weight(`${key}.weight`, wt, [inF, outF]);
  const y = g.node('MatMul', [x, w], {}, { name: `${key}/MatMul` });
  if (!bias) return y;
  return g.node('Add', [y, g.weight(`${key}.bias`, bias, [outF])], {}, { name: `${key}/Add` });
}

/** Transposes a row-major [rows, cols] matrix. */
export function transpose2d(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}

export function silu(g: Graph, x: Value): Value {
  return mul(g, x, sigmoid(g, x), 'SiLU');
}

/** GELU with the tanh approximation (torch `gelu(approximate='tanh')`). */
export function geluTanh(g: Graph, x: Value): Value {
  // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
  const x3 = mul(g, mul(g, x, x), x);
  const inner = mul(g, add(g, x, mul(g, x3, g.float(0.044715))), g.float(Math.sqrt(2 / Math.PI)));
  return mul(g, mul(g, x, g.float(0.5)), add(g, tanh(g, inner), g.float(1)), 'GeluTanh');
}

/** Exact GELU (erf form). */
export function gelu(g: Graph, x: Value): Value {
  return mul(g, mul(g, x, g.float(0.5)), add(g, erf(g, div(g, x, g.float(Math.SQRT2))), g.float(1)), 'Gelu');
}

/** RMSNorm over the last axis: x / sqrt(mean(x^2) + eps), times `scale` when given. */
export function rmsNorm(g: Graph, x: Value, eps: number, scale?: Value): Value {
  const ms = reduceMean(g, mul(g, x, x), [-1]);
  const y = div(g, x, sqrt(g, add(g, ms, g.float(eps))));
  return scale ? mul(g, y, scale) : y;
}
