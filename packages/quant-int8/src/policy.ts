// The keep-in-float policy of Sana's W8A8 deployment (Sana paper, "On-Device Deployment"), by node-name patterns.
// A linear layer is named by its module key: its weight's checkpoint key without `.weight`
// (`transformer_blocks.3.attn2.to_k`); patterns are matched against that key and against the node name
// (`transformer_blocks.3.attn2/to_k/MatMul`), so either spelling works.
import { ArgumentError } from '@sana/core';

/**
 * A name pattern: a RegExp (tested as it is), or a glob where `*` matches any run of characters (dots and
 * slashes included) and the whole name must match. `*.attn2.to_k` matches `transformer_blocks.3.attn2.to_k`.
 */
export type NamePattern = string | RegExp;

/** Which of our graphs a default policy is for. */
export type Component = 'transformer' | 'vae' | 'textEncoder';

/**
 * The paper keeps normalization layers, linear attention and the cross-attention key/value projections in
 * higher precision. Normalizations and the linear-attention products (activation x activation MatMuls) never
 * have a constant weight, so the pass leaves them float by construction; only the K/V projections of the
 * cross-attention (`attn2.to_k`, `attn2.to_v`, which read the text encoder's features rather than the image
 * tokens) need a pattern.
 */
export const DIT_KEEP_FLOAT: readonly NamePattern[] = Object.freeze(['*.attn2.to_k', '*.attn2.to_v']);

/**
 * The paper quantizes only the DiT. For the DC-AE decoder the pass quantizes its 1x1 convs (the attention
 * and Mix-FFN projections of the EfficientViT stages) and leaves the 3x3 / depth-wise / grouped convs float
 * by construction; nothing else needs keeping.
 */
export const VAE_KEEP_FLOAT: readonly NamePattern[] = Object.freeze([]);

/**
 * Gemma-2: every projection is quantized; the embedding table (a Gather) and the RMSNorms stay float by
 * construction. Gemma's residual stream carries large outlier channels, which is why the pass quantizes the
 * input of each projection (post-norm), never the residual itself.
 */
export const TEXT_ENCODER_KEEP_FLOAT: readonly NamePattern[] = Object.freeze([]);

/** The default keep-float patterns of each component. */
export const DEFAULT_KEEP_FLOAT: Readonly<Record<Component, readonly NamePattern[]>> = Object.freeze({
  transformer: DIT_KEEP_FLOAT,
  vae: VAE_KEEP_FLOAT,
  textEncoder: TEXT_ENCODER_KEEP_FLOAT,
});

/** Compiles a glob (`*` = any characters) to an anchored RegExp; a RegExp is returned as it is. */
export function compilePattern(p: NamePattern): RegExp {
  if (p instanceof RegExp) return p;
  if (typeof p !== 'string' || p.length === 0) throw new ArgumentError('keepFloat', `has an empty or non-string pattern ${JSON.stringify(p)}`);
  const body = p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

/**
 * The first pattern that matches any of `names`, or undefined.
 * @example matchPattern(DIT_KEEP_FLOAT.map(compilePattern), ['transformer_blocks.0.attn2.to_v']) // '*.attn2.to_v' as RegExp
 */
export function matchPattern(patterns: readonly RegExp[], names: readonly string[]): RegExp | undefined {
  return patterns.find((re) => names.some((n) => re.test(n)));
}
