// Shared DC-AE layers (DC-AE arXiv 2410.10733 §3): conv / 1x1 linear, channel RMSNorm, inference BatchNorm,
// activations, and the exact torch pixel_shuffle / pixel_unshuffle / repeat_interleave / grouped-mean shortcuts.
// Abbreviations: g = graph, x = NCHW input value, C = channels, r = resampling factor, ctx = build context.
import { WeightError, ops, type Graph, type Value } from '@sana/core';
import type { ActFn, NormType } from './config.js';

/** Expected weights of one part: checkpoint key -> shape. Each module adds its own. */
export type WeightSpec = Map<string, readonly number[]>;

/** What every block builder needs: the graph and the loaded (already shape-checked) checkpoint tensors. */
export interface BuildContext {
  readonly g: Graph;
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly spec: WeightSpec;
  /** How channel RMSNorms are built (graph option `rmsNorm`, default 'fp32'); see rmsNormChannels. */
  readonly rmsNorm?: RmsNormMode;
}

/**
 * Channel RMSNorm in the graph: 'fp32' (the reference: statistics in fp32, Cast in and out in fp16 graphs);
 * 'fp16' (everything in the graph's type, no Casts: x^2 overflows fp16 for |x| > 256); 'simplified' (ORT's
 * `SimplifiedLayerNormalization` contrib op over the channels of NHWC, fp32 accumulation inside the one kernel,
 * entered and left by the NCHW<->NHWC transposes that an NHWC execution provider's Conv layout cancels).
 */
export type RmsNormMode = 'fp32' | 'fp16' | 'simplified';
export const RMS_NORM_MODES: readonly RmsNormMode[] = ['fp32', 'fp16', 'simplified'];

/** The checkpoint tensor `key` as an initializer of the same name, viewed with `dims` (same element count). */
export function param(ctx: BuildContext, key: string, dims?: readonly number[]): Value {
  const data = ctx.weights.get(key);
  const shape = ctx.spec.get(key);
  if (!data || !shape) throw new WeightError(key, 'was not loaded (the weight spec and the graph builder disagree)');
  return ctx.g.weight(key, data, dims ?? shape);
}

/** nn.Conv2d weights into `spec`. */
export function convSpec(spec: WeightSpec, key: string, cin: number, cout: number, k: number, groups = 1, bias = true) {
  spec.set(`${key}.weight`, [cout, cin / groups, k, k]);
  if (bias) spec.set(`${key}.bias`, [cout]);
}

export interface Conv2dOptions {
  readonly stride?: number;
  readonly groups?: number;
}

/** nn.Conv2d with `padding = k // 2` (every DC-AE conv is "same"-padded); bias when the spec has one. */
export function conv2d(ctx: BuildContext, x: Value, key: string, o: Conv2dOptions = {}): Value {
  const wShape = ctx.spec.get(`${key}.weight`);
  if (!wShape) throw new WeightError(`${key}.weight`, 'is not in the weight spec');
  const k = wShape[2];
  const p = Math.floor(k / 2);
  const b = ctx.spec.has(`${key}.bias`) ? param(ctx, `${key}.bias`) : undefined;
  return ops.conv(ctx.g, x, param(ctx, `${key}.weight`), b, {
    pads: [p, p, p, p], strides: o.stride ? [o.stride, o.stride] : undefined, group: o.groups, name: `${key}/Conv`,
  });
}

/** nn.Linear applied over the channel axis of NCHW (diffusers moves C last and back): a 1x1 conv, same weight. */
export function linearSpec(spec: WeightSpec, key: string, cin: number, cout: number, bias = false) {
  spec.set(`${key}.weight`, [cout, cin]);
  if (bias) spec.set(`${key}.bias`, [cout]);
}
export function channelLinear(ctx: BuildContext, x: Value, key: string): Value {
  const [cout, cin] = ctx.spec.get(`${key}.weight`)!;
  const b = ctx.spec.has(`${key}.bias`) ? param(ctx, `${key}.bias`) : undefined;
  return ops.conv(ctx.g, x, param(ctx, `${key}.weight`, [cout, cin, 1, 1]), b, { name: `${key}/Conv1x1` });
}

export function normSpec(spec: WeightSpec, key: string, type: NormType, c: number) {
  spec.set(`${key}.weight`, [c]);
  spec.set(`${key}.bias`, [c]);
  if (type === 'batch_norm') {
    spec.set(`${key}.running_mean`, [c]);
    spec.set(`${key}.running_var`, [c]);
  }
}

/**
 * diffusers RMSNorm over channels (`norm(x.movedim(1, -1)).movedim(-1, 1)`) with weight and bias, eps 1e-5:
 * x * rsqrt(mean_c(x^2) + eps) * w + b. The statistic is taken in fp32 as diffusers does for half inputs.
 */
export function rmsNormChannels(ctx: BuildContext, x: Value, key: string, eps = 1e-5): Value {
  const { g } = ctx;
  const c = ctx.spec.get(`${key}.weight`)![0];
  const mode = ctx.rmsNorm ?? 'fp32';
  return g.scope(key, () => {
    if (mode === 'simplified') {
      // SimplifiedLayerNormalization normalizes over the axes from `axis` on: channels last, so axis -1 of NHWC.
      const nhwc = ops.transpose(g, x, [0, 2, 3, 1], 'to_nhwc'); // [B, H, W, C]
      const y = g.node('SimplifiedLayerNormalization', [nhwc, param(ctx, `${key}.weight`)], {
        axis: -1, epsilon: { float: eps }, stash_type: 1,
      }, { name: 'SimplifiedLayerNorm' }); // [B, H, W, C], statistics in fp32 (stash_type 1)
      const biased = ops.add(g, y, param(ctx, `${key}.bias`)); // + bias [C] over the last axis
      return ops.transpose(g, biased, [0, 3, 1, 2], 'to_nchw'); // [B, C, H, W]
    }
    const half = g.floatType === 'float16' && mode === 'fp32';
    const x32 = half ? ops.cast(g, x, 'float32') : x;
    const ms = ops.reduceMean(g, ops.mul(g, x32, x32), [1]); // [B, 1, H, W]
    const inv = ops.reciprocal(g, ops.sqrt(g, ops.add(g, ms, g.float(eps, [], half ? 'float32' : g.floatType))));
    let y = ops.mul(g, x32, inv);
    if (half) y = ops.cast(g, y, 'float16');
    y = ops.mul(g, y, param(ctx, `${key}.weight`, [c, 1, 1]));
    return ops.add(g, y, param(ctx, `${key}.bias`, [c, 1, 1]));
  });
}

/** nn.BatchNorm2d in eval mode: running statistics, eps 1e-5 (ONNX BatchNormalization, inference form). */
export function batchNorm(ctx: BuildContext, x: Value, key: string, eps = 1e-5): Value {
  return ctx.g.node('BatchNormalization', [
    x, param(ctx, `${key}.weight`), param(ctx, `${key}.bias`), param(ctx, `${key}.running_mean`), param(ctx, `${key}.running_var`),
  ], { epsilon: { float: eps } }, { name: `${key}/BatchNorm` });
}

export function norm(ctx: BuildContext, x: Value, key: string, type: NormType): Value {
  return type === 'rms_norm' ? rmsNormChannels(ctx, x, key) : batchNorm(ctx, x, key);
}

/** diffusers `get_activation`: silu/swish, relu, gelu (exact erf form, nn.GELU()), mish. */
export function activation(g: Graph, x: Value, fn: ActFn): Value {
  switch (fn) {
    case 'silu': case 'swish': return ops.silu(g, x);
    case 'relu': return ops.relu(g, x);
    case 'gelu': return ops.gelu(g, x);
    // Mish is an ONNX op only from opset 18: x * tanh(softplus(x)).
    case 'mish': return ops.mul(g, x, ops.tanh(g, g.node('Softplus', [x])), 'Mish');
  }
}

/** torch `pixel_shuffle(x, r)`: in-channel c*r*r + i*r + j goes to (c, h*r+i, w*r+j) = ONNX DepthToSpace CRD. */
export function pixelShuffle(g: Graph, x: Value, r: number): Value {
  return ops.depthToSpace(g, x, r, 'CRD');
}

/**
 * torch `pixel_unshuffle(x, r)`: (c, h*r+i, w*r+j) goes to channel c*r*r + i*r + j. ONNX SpaceToDepth puts it
 * at (i*r + j)*C + c instead, so its channels are regrouped: [B, r*r, C, N] -> [B, C, r*r, N].
 */
export function pixelUnshuffle(g: Graph, x: Value, c: number, r: number): Value {
  const s = ops.spaceToDepth(g, x, r); // [B, r*r*C, H/r, W/r], channel (i*r + j)*C + c
  const t = ops.reshape(g, s, [0, r * r, c, -1]); // [B, r*r, C, N]
  const u = ops.transpose(g, t, [0, 2, 1, 3]); // [B, C, r*r, N]
  return ops.reshape(g, u, ops.shape(g, s), 'pixel_unshuffle'); // [B, C*r*r, H/r, W/r]
}

/** torch `x.repeat_interleave(n, dim=1)`: out channel k is in channel floor(k / n); a Gather of constant indices. */
export function repeatInterleaveChannels(g: Graph, x: Value, c: number, n: number): Value {
  const idx = Array.from({ length: c * n }, (_, k) => Math.floor(k / n));
  return ops.gather(g, x, g.int64(idx), 1);
}

/**
 * torch `x.unflatten(1, (-1, group)).mean(dim=2)`: averages consecutive channel groups of `x` ([B, cIn, H, W])
 * into [B, cIn / group, H, W]. `like` is any value of the output's spatial shape (here: the main branch).
 */
export function groupMeanChannels(g: Graph, x: Value, cIn: number, group: number, like: Value): Value {
  if (group === 1) return x;
  const t = ops.reshape(g, x, [0, cIn / group, group, -1]); // [B, cOut, group, N]
  const m = ops.reduceMean(g, t, [2], false); // [B, cOut, N]
  return ops.reshape(g, m, ops.shape(g, like), 'group_mean'); // [B, cOut, H, W]
}

/** [0, channels, H, W] as a Reshape target, H and W read from `like` ([B, *, H, W]). */
export function nchwShapeLike(g: Graph, like: Value, channels: number): Value {
  return ops.concat(g, [g.int64([0, channels]), ops.shape(g, like, 2, 4)], 0);
}
