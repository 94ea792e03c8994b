// W8A8 on ONNX Runtime CPU (Sana paper, "On-Device Deployment"): dynamic INT8 activations, per-channel symmetric
// INT8 weights, integer matmuls through `com.microsoft` MatMulIntegerToFloat (MLAS u8s8 kernels).
// Abbreviations: x = the activation, xq / xs / xz = its codes, scale and zero point, K / N = in / out features.
import { ArgumentError, tensor, type NodeSpec, type Value } from '@sana/core';
import { addInitializer, type GraphEditor } from './graph-editor.js';
import { rewriteSites, weightKN, type LinearSite } from './linear-sites.js';
import { QMAX, quantizePerChannel } from './weight-quant.js';

export const MS_DOMAIN = 'com.microsoft';

/**
 * How activations are quantized, once per distinct input (q, k and v of one attention share it):
 * - 'per-tensor': ONNX `DynamicQuantizeLinear`, one uint8 scale and zero point for the whole tensor
 *   (asymmetric: ORT's own dynamic quantization, a single fused kernel);
 * - 'per-token': the paper's per-token symmetric INT8, built from ops: s = max|x| / 127 over the features of
 *   each token, codes round(x / s) offset by 128 into uint8 (zero point 128: the u8s8 kernels are the fast
 *   ones, and a symmetric int8 code plus 128 is exactly a uint8 code with zero point 128); the per-token scale
 *   multiplies the float output, since MatMulIntegerToFloat takes only per-tensor A scales.
 */
export const ACTIVATION_SCHEMES = Object.freeze(['per-tensor', 'per-token'] as const);
export type ActivationScheme = (typeof ACTIVATION_SCHEMES)[number];

/**
 * `value` as an activation scheme, or an `ArgumentError` naming `option` and the schemes. The one check of a user's
 * choice: `quantizeGraph` (option `activations`) and `pnpm eval --int8-activations` (before its model loads) call it.
 */
export function activationScheme(value: unknown, option = 'activations'): ActivationScheme {
  if (!(ACTIVATION_SCHEMES as readonly unknown[]).includes(value)) {
    throw new ArgumentError(option, `is ${JSON.stringify(value)}; expected ${ACTIVATION_SCHEMES.map((a) => JSON.stringify(a)).join(' or ')}`);
  }
  return value as ActivationScheme;
}

interface Quantized {
  readonly xq: Value;
  /** per-tensor: the scale, fed to the matmul; per-token: [..., 1], multiplied after it. */
  readonly xs: Value;
  readonly xz?: Value;
}

/**
 * Rewrites every site into integer matmuls; the conv sites run as NHWC matmuls between two Transposes.
 * Returns the names of the float weights and biases that the rewrite stopped reading.
 */
export function rewriteW8A8(ed: GraphEditor, sites: readonly LinearSite[], scheme: ActivationScheme): Value[] {
  const { g } = ed;
  const quantized = new Map<Value, Quantized>();
  let zp128: Value | undefined; // per-token only
  return rewriteSites(ed, sites, (site, { x, nodes, base, outputName }) => {
    let q = quantized.get(x);
    if (!q) {
      q = scheme === 'per-tensor' ? quantizePerTensor(ed, nodes, x, base) : quantizePerToken(ed, nodes, x, base);
      quantized.set(x, q);
    }
    const w = quantizePerChannel(weightKN(g, site), site.k, site.n);
    const wq = addInitializer(g, `${site.key}.weight_int8`, tensor('int8', w.q, [site.k, site.n]));
    const ws = addInitializer(g, `${site.key}.weight_scale`, tensor('float32', w.scale, [site.n]));
    if (scheme === 'per-tensor') {
      const inputs = [q.xq, wq, q.xs, ws, q.xz!];
      if (site.bias) inputs.push('', site.bias);
      return ed.emit(nodes, 'MatMulIntegerToFloat', inputs, {}, { name: `${base}_int8`, domain: MS_DOMAIN, outputName })[0];
    }
    zp128 ??= scalarU8(ed, 128);
    const acc = ed.emit(nodes, 'MatMulIntegerToFloat', [q.xq, wq, g.float(1, [], 'float32'), ws, zp128], {}, { name: `${base}_int8`, domain: MS_DOMAIN })[0];
    const y = ed.emit(nodes, 'Mul', [acc, q.xs], {}, { name: `${base}/token_scale`, outputName: site.bias ? undefined : outputName })[0];
    return site.bias ? ed.emit(nodes, 'Add', [y, site.bias], {}, { name: `${base}/bias`, outputName })[0] : y;
  });
}

function quantizePerTensor(ed: GraphEditor, nodes: NodeSpec[], x: Value, base: string): Quantized {
  const [xq, xs, xz] = ed.emit(nodes, 'DynamicQuantizeLinear', [x], {}, { name: `${base}/quantize_input`, outputs: 3 });
  return { xq, xs, xz };
}

function quantizePerToken(ed: GraphEditor, nodes: NodeSpec[], x: Value, base: string): Quantized {
  const { g } = ed;
  const f = (v: number) => g.float(v, [], 'float32');
  const e = (op: string, inputs: Value[], name: string, attrs = {}) => ed.emit(nodes, op, inputs, attrs, { name: `${base}/${name}` })[0];
  const abs = e('Abs', [x], 'abs');
  const amax = g.opset >= 18
    ? e('ReduceMax', [abs, g.int64([-1])], 'token_absmax', { keepdims: 1 })
    : e('ReduceMax', [abs], 'token_absmax', { axes: [-1], keepdims: 1 }); // [..., 1]
  // A token of zeros gets a tiny scale: its codes are 0 either way, and the division stays finite.
  const xs = e('Div', [e('Max', [amax, f(1e-30)], 'nonzero'), f(QMAX)], 'token_scale');
  const codes = e('Add', [e('Round', [e('Div', [x, xs], 'divide')], 'round'), f(128)], 'offset'); // in [1, 255]
  const xq = e('Cast', [codes], 'to_uint8', { to: 2 }); // TensorProto.UINT8
  return { xq, xs };
}

/** A uint8 scalar constant (one per rewrite, shared by its nodes). */
function scalarU8(ed: GraphEditor, v: number): Value {
  return addInitializer(ed.g, `int8_pass.zero_point_${v}`, tensor('uint8', Uint8Array.from([v]), []));
}
