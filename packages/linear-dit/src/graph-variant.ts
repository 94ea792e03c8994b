// Graph variants of the Linear DiT for execution providers (issue 11): same math, other layouts, fused ops or precisions.
// Every variant computes the reference function; fp32 graphs of every variant match the default within float rounding.
import { ArgumentError, choiceFieldProblem } from '@sana/core';

/**
 * How the transformer graph is laid out. Each field defaults to today's graph.
 * - `mixFfn`: 'conv' runs the Mix-FFN as three NCHW convs (the reference's layout, two token<->image
 *   transposes of D channels); 'matmul' runs the 1x1 convs `conv_inverted` / `conv_point` as MatMuls on the
 *   tokens and only the 3x3 depth-wise conv in the image layout, entered and left through NHWC<->NCHW
 *   transposes (perm [0,3,1,2] / [0,2,3,1]) that cancel against those an NHWC execution provider (WebGPU)
 *   inserts around each Conv.
 * - `linearAttention`: 'heads' moves q, k, v to [B, H, N, d] (four transposes) and reads one d x (d+1) state per
 *   head; 'block-diagonal' keeps the token layout: one [D, D] state K^T V masked to its per-head diagonal blocks
 *   (D/d times the state FLOPs, one transpose of k instead of four).
 * - `crossAttention`: 'matmul' is the explicit softmax(q k^T + bias) v with head transposes; 'mha' is one
 *   `com.microsoft` `MultiHeadAttention` node in token layout (registered by the CPU and WebGPU EPs).
 * - `attentionPrecision` (fp16 graphs only): 'fp32' keeps the reference's fp32 islands (linear-attention
 *   q/k/v, state and division; cross-attention scores and softmax: 7 Casts per block); 'fp16' drops them.
 */
export interface DitGraphVariant {
  readonly mixFfn?: 'conv' | 'matmul';
  readonly linearAttention?: 'heads' | 'block-diagonal';
  readonly crossAttention?: 'matmul' | 'mha';
  readonly attentionPrecision?: 'fp32' | 'fp16';
}

/** The variant with every field filled in. */
export type ResolvedDitVariant = Required<DitGraphVariant>;

const CHOICES: { readonly [K in keyof DitGraphVariant]-?: readonly NonNullable<DitGraphVariant[K]>[] } = {
  mixFfn: ['conv', 'matmul'],
  linearAttention: ['heads', 'block-diagonal'],
  crossAttention: ['matmul', 'mha'],
  attentionPrecision: ['fp32', 'fp16'],
};

/** Today's graph. */
export const DEFAULT_DIT_VARIANT: ResolvedDitVariant = Object.freeze({
  mixFfn: 'conv', linearAttention: 'heads', crossAttention: 'matmul', attentionPrecision: 'fp32',
});

/** Named variants for benchmarks: each changes one thing, 'all' changes every layout (precision kept). */
export const DIT_VARIANTS: Readonly<Record<string, DitGraphVariant>> = Object.freeze({
  baseline: {},
  'mixffn-matmul': { mixFfn: 'matmul' },
  'linattn-blockdiag': { linearAttention: 'block-diagonal' },
  'cross-mha': { crossAttention: 'mha' },
  'attn-fp16': { attentionPrecision: 'fp16' },
  'all-layouts': { mixFfn: 'matmul', linearAttention: 'block-diagonal', crossAttention: 'mha' },
});

/**
 * Fills in the defaults and checks every field; an unknown field or value, or a non-object, throws `ArgumentError`
 * naming it under `name` (the option it came in as: 'variant', or the pipeline's 'transformerGraph').
 * @example resolveDitVariant({ mixFfn: 'matmul' }).crossAttention // 'matmul'
 */
export function resolveDitVariant(v: DitGraphVariant = {}, name = 'variant'): ResolvedDitVariant {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) {
    throw new ArgumentError(name, `must be an object such as { mixFfn: 'matmul' }, got ${Array.isArray(v) ? 'an array' : typeof v === 'object' ? String(v) : typeof v}`);
  }
  const problem = choiceFieldProblem(name, v, CHOICES, 'a transformer graph option');
  if (problem) throw new ArgumentError(problem.field, problem.message);
  return { ...DEFAULT_DIT_VARIANT, ...Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) } as ResolvedDitVariant;
}
