// Finds the linear layers of a graph that INT8 can take: MatMul by a constant [K, N] weight and 1x1 Conv.
// Abbreviations: K = input features, N = output features (a 1x1 conv's C_in and C_out).
import { float16ToFloat32, type Graph, type NodeSpec, type Tensor, type Value } from '@sana/core';
import type { GraphEditor } from './graph-editor.js';

/** One linear layer of the graph, as the rewrite needs it. */
export interface LinearSite {
  /** The MatMul or Conv node. */
  readonly node: NodeSpec;
  /** 'matmul': x [..., K] @ W [K, N]; 'conv1x1': NCHW x, W [N, K, 1, 1]. */
  readonly kind: 'matmul' | 'conv1x1';
  /** The weight's initializer name without `.weight`: the checkpoint module key (`transformer_blocks.3.attn1.to_q`). */
  readonly key: string;
  readonly weight: Value;
  /** The activation input. */
  readonly input: Value;
  readonly k: number;
  readonly n: number;
  /** A bias [N] to fold in: the Conv's third input, or the initializer of the Add that alone consumes the MatMul. */
  readonly bias?: Value;
  /** The Add node folded with the bias (removed by the rewrite). */
  readonly biasAdd?: NodeSpec;
  /** The value the rewritten layer must produce (the Add's output when the bias is folded). */
  readonly output: Value;
}

/** A weighted MatMul or Conv the pass leaves float, and why. */
export interface SkippedSite {
  readonly node: string;
  readonly key: string;
  readonly reason: string;
}

const isFloat = (t: Tensor | undefined) => t !== undefined && (t.dtype === 'float32' || t.dtype === 'float16');
const allEqual = (v: unknown, x: number) => v === undefined || (Array.isArray(v) && v.every((e) => e === x));
const keyOf = (weight: string) => weight.replace(/\.weight$/, '');

/** Every consumer of every value, in graph order. */
export function consumers(g: Graph): Map<Value, NodeSpec[]> {
  const map = new Map<Value, NodeSpec[]>();
  for (const n of g.nodes) for (const v of n.inputs) if (v) (map.get(v) ?? map.set(v, []).get(v)!).push(n);
  return map;
}

/** The bias Add that alone consumes `out` with a constant [n] vector, if there is one. */
function biasAddOf(g: Graph, uses: Map<Value, NodeSpec[]>, out: Value, n: number): { add: NodeSpec; bias: Value } | undefined {
  const c = uses.get(out);
  if (!c || c.length !== 1 || c[0].opType !== 'Add' || c[0].domain !== '' || g.outputs.some((o) => o.name === out)) return undefined;
  const add = c[0];
  const other = add.inputs[0] === out ? add.inputs[1] : add.inputs[0];
  const t = g.initializers.get(other);
  if (!isFloat(t) || t!.dims.length !== 1 || t!.dims[0] !== n) return undefined;
  return { add, bias: other };
}

/**
 * The linear layers of `g` in graph order, and the weighted convs it cannot take (k x k, grouped, depth-wise,
 * strided). Activation x activation MatMuls (attention) are neither: they have no constant weight.
 * @example const { sites, skipped } = findLinearSites(graph); // sites[0].key === 'caption_projection.linear_1'
 */
export function findLinearSites(g: Graph): { sites: LinearSite[]; skipped: SkippedSite[] } {
  const uses = consumers(g);
  const sites: LinearSite[] = [];
  const skipped: SkippedSite[] = [];
  for (const node of g.nodes) {
    if (node.domain !== '') continue;
    const [input, weight] = node.inputs;
    const w = g.initializers.get(weight);
    if (!isFloat(w) || g.initializers.has(input)) continue;
    const key = keyOf(weight);
    if (node.opType === 'MatMul' && w!.dims.length === 2) {
      const [k, n] = w!.dims;
      const folded = biasAddOf(g, uses, node.outputs[0], n);
      sites.push({
        node, kind: 'matmul', key, weight, input, k, n,
        bias: folded?.bias, biasAdd: folded?.add, output: folded ? folded.add.outputs[0] : node.outputs[0],
      });
    } else if (node.opType === 'Conv' && w!.dims.length === 4) {
      const [n, kPerGroup, kh, kw] = w!.dims;
      const group = (node.attrs.group as number | undefined) ?? 1;
      let reason: string | undefined;
      if (group !== 1) reason = group === n ? 'depth-wise conv (memory-bound: kept float)' : `grouped conv (group ${group})`;
      else if (kh !== 1 || kw !== 1) reason = `${kh}x${kw} conv (only 1x1 convs are taken as matmuls)`;
      else if (!allEqual(node.attrs.strides, 1) || !allEqual(node.attrs.dilations, 1) || !allEqual(node.attrs.pads, 0)) reason = '1x1 conv with stride, dilation or padding';
      if (reason) {
        skipped.push({ node: node.name, key, reason });
        continue;
      }
      const bias = node.inputs[2] || undefined;
      if (bias !== undefined && !isFloat(g.initializers.get(bias))) {
        skipped.push({ node: node.name, key, reason: 'conv bias is not a constant' });
        continue;
      }
      sites.push({ node, kind: 'conv1x1', key, weight, input, k: kPerGroup, n, bias, output: node.outputs[0] });
    }
  }
  return { sites, skipped };
}

/** The float32 values of a float initializer (fp16 widened). */
export function floatData(t: Tensor): Float32Array {
  return t.dtype === 'float16' ? float16ToFloat32(t.data as Uint16Array) : (t.data as Float32Array);
}

/** A site's weight as a row-major [K, N] float32 matrix (a 1x1 conv's [N, K, 1, 1] transposed). */
export function weightKN(g: Graph, site: LinearSite): Float32Array {
  const w = floatData(g.initializers.get(site.weight)!);
  if (site.kind === 'matmul') return w;
  const { k, n } = site;
  const out = new Float32Array(k * n);
  for (let o = 0; o < n; o++) for (let i = 0; i < k; i++) out[i * n + o] = w[o * k + i];
  return out;
}

/** Where one site's INT8 form goes, as `rewriteSites` hands it over. */
export interface SiteTarget {
  /** The activation: the site's input, or for a conv site its NHWC transpose ([B, H, W, C]: a matmul over C). */
  readonly x: Value;
  /** The nodes replacing the site, in order: emit into this. */
  readonly nodes: NodeSpec[];
  /** The site node's name, to name the new nodes after. */
  readonly base: string;
  /** The name the form's last node must give its output: the site's output, or undefined for a conv site (the closing Transpose takes it). */
  readonly outputName?: Value;
}

/**
 * The loop every INT8 form shares: for each site, `form` emits the matmul that replaces it; a conv site runs NHWC
 * between two Transposes (one to_nhwc per distinct input), and the folded bias Add goes. Returns the float weights
 * and biases that no rewritten node reads any more.
 * @example const orphans = rewriteSites(ed, sites, (site, t) => ed.emit(t.nodes, 'MatMul', [t.x, w], {}, { name: `${t.base}_q`, outputName: t.outputName })[0]);
 */
export function rewriteSites(ed: GraphEditor, sites: readonly LinearSite[], form: (site: LinearSite, target: SiteTarget) => Value): Value[] {
  const nhwc = new Map<Value, Value>();
  const orphans: Value[] = [];
  for (const site of sites) {
    const nodes: NodeSpec[] = [];
    const base = site.node.name;
    const conv = site.kind === 'conv1x1';
    let x = site.input;
    if (conv) {
      let t = nhwc.get(x);
      if (!t) {
        t = ed.emit(nodes, 'Transpose', [x], { perm: [0, 2, 3, 1] }, { name: `${base}/to_nhwc` })[0]; // [B, C, H, W] -> [B, H, W, C]
        nhwc.set(x, t);
      }
      x = t;
    }
    const y = form(site, { x, nodes, base, outputName: conv ? undefined : site.output });
    if (conv) ed.emit(nodes, 'Transpose', [y], { perm: [0, 3, 1, 2] }, { name: `${base}/to_nchw`, outputName: site.output }); // [B, H, W, N] -> [B, N, H, W]
    ed.replace(site.node, nodes);
    if (site.biasAdd) ed.remove(site.biasAdd);
    orphans.push(site.weight);
    if (site.bias) orphans.push(site.bias);
  }
  return orphans;
}
