// The Linear DiT configuration (Sana §2, Table 1 model variants): typed presets and diffusers config.json validation.
import { ConfigError } from '@sana/core';

/** The only qk-norm Sana uses (Sana 1.5, Sana-Sprint): one RMSNorm over all heads of q and of k. */
export type QkNorm = 'rms_norm_across_heads';

/**
 * A `SanaTransformer2DModel` config, field for field the diffusers `config.json` (camelCase here).
 * `timestepScale` and `guidanceEmbedsScale` are kept for the pipeline: diffusers applies them in the
 * pipeline (`timestep * timestep_scale`, `guidance * guidance_embeds_scale`), not in the model's forward,
 * so the graph takes `timestep` and `guidance` as the model's forward does.
 */
export interface SanaTransformerConfig {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly numAttentionHeads: number;
  readonly attentionHeadDim: number;
  readonly numLayers: number;
  readonly numCrossAttentionHeads: number;
  readonly crossAttentionHeadDim: number;
  /** Channels of the text tokens the cross-attention reads; they are caption-projected to the inner dim, so equal to it. */
  readonly crossAttentionDim: number;
  readonly captionChannels: number;
  readonly mlpRatio: number;
  /** Bias on the self-attention q/k/v projections. */
  readonly attentionBias: boolean;
  /** Latent size the model was trained at; with `interpolationScale` it sets the sin-cos grid's base size. */
  readonly sampleSize: number;
  readonly patchSize: number;
  /** Affine weights on the feed-forward LayerNorm (`norm2`); false in every released Sana. */
  readonly normElementwiseAffine: boolean;
  readonly normEps: number;
  /** null: no positional embedding (NoPE, Sana 1.0 / 1.5 1024px); a number: 2D sin-cos embedding (2K/4K models). */
  readonly interpolationScale: number | null;
  /** Sana-Sprint: a second sinusoidal embedder for the guidance scale, added to the timestep embedding. */
  readonly guidanceEmbeds: boolean;
  readonly guidanceEmbedsScale: number;
  readonly qkNorm: QkNorm | null;
  readonly timestepScale: number;
}

/** The common part of every released Sana transformer. */
const BASE = {
  inChannels: 32, outChannels: 32, captionChannels: 2304, mlpRatio: 2.5, attentionBias: false, sampleSize: 32,
  patchSize: 1, normElementwiseAffine: false, normEps: 1e-6, interpolationScale: null, guidanceEmbeds: false,
  guidanceEmbedsScale: 0.1, qkNorm: null, timestepScale: 1.0,
} as const;

/** Sana-0.6B at 1024px (`Efficient-Large-Model/Sana_600M_1024px_diffusers`): 28 layers, width 1152. 591,747,872 parameters. */
export const SANA_600M_1024PX: SanaTransformerConfig = Object.freeze({
  ...BASE, numAttentionHeads: 36, attentionHeadDim: 32, numLayers: 28,
  numCrossAttentionHeads: 16, crossAttentionHeadDim: 72, crossAttentionDim: 1152,
});

/** Sana-1.6B at 1024px (`Sana_1600M_1024px_diffusers`): 20 layers, width 2240. 1,604,462,752 parameters. */
export const SANA_1600M_1024PX: SanaTransformerConfig = Object.freeze({
  ...BASE, numAttentionHeads: 70, attentionHeadDim: 32, numLayers: 20,
  numCrossAttentionHeads: 20, crossAttentionHeadDim: 112, crossAttentionDim: 2240,
});

/** Sana-1.6B at 4K (`Sana_1600M_4Kpx_BF16_diffusers`): the 1.6B with a sin-cos positional embedding, base grid 128. 1,604,462,752 parameters. */
export const SANA_1600M_4KPX: SanaTransformerConfig = Object.freeze({
  ...SANA_1600M_1024PX, sampleSize: 128, interpolationScale: 2.0,
});

/** Sana 1.5 1.6B at 1024px (`Sana_1.5_1600M_1024px_diffusers`): the 1.6B with RMS qk-norm across heads. 1,604,641,952 parameters. */
export const SANA_1_5_1600M_1024PX: SanaTransformerConfig = Object.freeze({
  ...SANA_1600M_1024PX, qkNorm: 'rms_norm_across_heads',
});

/** Sana-Sprint 0.6B at 1024px (`Sana_Sprint_0.6B_1024px_diffusers`): qk-norm and a guidance embedding. 593,501,216 parameters. */
export const SANA_SPRINT_600M_1024PX: SanaTransformerConfig = Object.freeze({
  ...SANA_600M_1024PX, qkNorm: 'rms_norm_across_heads', guidanceEmbeds: true,
});

/** The presets by the name of their config file in fixtures/reference/configs. */
export const TRANSFORMER_PRESETS: Readonly<Record<string, SanaTransformerConfig>> = Object.freeze({
  Sana_600M_1024px: SANA_600M_1024PX,
  Sana_1600M_1024px: SANA_1600M_1024PX,
  Sana_1600M_4Kpx: SANA_1600M_4KPX,
  'Sana_1.5_1600M_1024px': SANA_1_5_1600M_1024PX,
  Sana_Sprint_600M_1024px: SANA_SPRINT_600M_1024PX,
});

/** Width of the residual stream: heads times head dim. */
export const innerDim = (c: SanaTransformerConfig) => c.numAttentionHeads * c.attentionHeadDim;
/** Hidden channels of the Mix-FFN, `int(mlp_ratio * dim)` as diffusers truncates it. */
export const ffnHiddenDim = (c: SanaTransformerConfig) => Math.trunc(c.mlpRatio * innerDim(c));

type Json = Record<string, unknown>;

/**
 * Reads and validates a diffusers `transformer/config.json` (parsed JSON). Missing optional fields take
 * diffusers' defaults; a field of the wrong type or an unsupported value throws `ConfigError` naming it.
 * @example
 * const config = fromDiffusersConfig(JSON.parse(await readFile('ckpt/transformer/config.json', 'utf8')), 'config.json');
 */
export function fromDiffusersConfig(json: unknown, file?: string): SanaTransformerConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError('(root)', 'must be a JSON object', file);
  const j = json as Json;
  const cls = j._class_name;
  if (cls !== undefined && cls !== 'SanaTransformer2DModel') {
    throw new ConfigError('_class_name', `is ${JSON.stringify(cls)}; expected "SanaTransformer2DModel"`, file);
  }
  const int = (name: string, dflt?: number, min = 1): number => {
    const v = j[name] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ConfigError(name, `must be an integer >= ${min}; got ${JSON.stringify(v)}`, file);
    return v;
  };
  const num = (name: string, dflt: number, positive = true): number => {
    const v = j[name] ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || (positive && v <= 0)) throw new ConfigError(name, `must be a ${positive ? 'positive ' : ''}number; got ${JSON.stringify(v)}`, file);
    return v;
  };
  const bool = (name: string, dflt: boolean): boolean => {
    const v = j[name] ?? dflt;
    if (typeof v !== 'boolean') throw new ConfigError(name, `must be true or false; got ${JSON.stringify(v)}`, file);
    return v;
  };
  const inChannels = int('in_channels', 32);
  const qk = j.qk_norm ?? null;
  if (qk !== null && qk !== 'rms_norm_across_heads') {
    throw new ConfigError('qk_norm', `is ${JSON.stringify(qk)}; Sana uses null or "rms_norm_across_heads"`, file);
  }
  const interp = j.interpolation_scale ?? null;
  if (interp !== null && (typeof interp !== 'number' || !(interp > 0))) {
    throw new ConfigError('interpolation_scale', `must be null or a positive number; got ${JSON.stringify(interp)}`, file);
  }
  const config: SanaTransformerConfig = Object.freeze({
    inChannels,
    outChannels: j.out_channels === null ? inChannels : int('out_channels', 32),
    numAttentionHeads: int('num_attention_heads', 70),
    attentionHeadDim: int('attention_head_dim', 32),
    numLayers: int('num_layers', 20),
    numCrossAttentionHeads: int('num_cross_attention_heads', 20),
    crossAttentionHeadDim: int('cross_attention_head_dim', 112),
    crossAttentionDim: int('cross_attention_dim', 2240),
    captionChannels: int('caption_channels', 2304),
    mlpRatio: num('mlp_ratio', 2.5),
    attentionBias: bool('attention_bias', false),
    sampleSize: int('sample_size', 32),
    patchSize: int('patch_size', 1),
    normElementwiseAffine: bool('norm_elementwise_affine', false),
    normEps: num('norm_eps', 1e-6),
    interpolationScale: interp as number | null,
    guidanceEmbeds: bool('guidance_embeds', false),
    guidanceEmbedsScale: num('guidance_embeds_scale', 0.1, false),
    qkNorm: qk as QkNorm | null,
    timestepScale: num('timestep_scale', 1.0),
  });
  validateConfig(config, file);
  return config;
}

/** Checks the relations between fields that the graph relies on; throws `ConfigError` naming the field. */
export function validateConfig(c: SanaTransformerConfig, file?: string): void {
  const d = innerDim(c);
  // The caption is projected to the inner dim before the cross-attention's to_k/to_v read it.
  if (c.crossAttentionDim !== d) {
    throw new ConfigError('cross_attention_dim', `is ${c.crossAttentionDim}; it must equal num_attention_heads * attention_head_dim = ${d} (the caption is projected to that width)`, file);
  }
  if (c.interpolationScale !== null && d % 4 !== 0) {
    throw new ConfigError('attention_head_dim', `gives an inner dim of ${d}; the 2D sin-cos embedding needs a multiple of 4`, file);
  }
  if (c.sampleSize % c.patchSize !== 0) {
    throw new ConfigError('sample_size', `(${c.sampleSize}) must be a multiple of patch_size (${c.patchSize})`, file);
  }
  if (ffnHiddenDim(c) < 1) throw new ConfigError('mlp_ratio', `(${c.mlpRatio}) gives no hidden channels`, file);
}
