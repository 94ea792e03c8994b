// Gemma-2 configuration: the decoder-only LLM whose last hidden states Sana uses as text features (paper §2.3).
import { ConfigError } from '@sana/core';

export type Gemma2LayerType = 'sliding_attention' | 'full_attention';

/** The fields of a transformers `Gemma2Config` that the encoder needs (camelCase of the config.json keys). */
export interface Gemma2Config {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  /** Scores are scaled by `queryPreAttnScalar ** -0.5` (not `headDim ** -0.5`). */
  readonly queryPreAttnScalar: number;
  /** Scores become `cap * tanh(scores / cap)`; null: no capping. */
  readonly attnLogitSoftcapping: number | null;
  readonly slidingWindow: number;
  /** One entry per layer (transformers 5 `layer_types`; older configs: even layers slide). */
  readonly layerTypes: readonly Gemma2LayerType[];
  readonly maxPositionEmbeddings: number;
  readonly padTokenId: number;
  readonly bosTokenId: number;
}

/**
 * google/gemma-2-2b as Sana ships it (`Efficient-Large-Model/Sana_*_diffusers/text_encoder`):
 * 26 layers, 2304 wide, 8 query / 4 key-value heads of 256. 2.61B parameters (0.59B of them the embedding).
 */
export const GEMMA_2_2B: Gemma2Config = Object.freeze({
  vocabSize: 256000,
  hiddenSize: 2304,
  intermediateSize: 9216,
  numHiddenLayers: 26,
  numAttentionHeads: 8,
  numKeyValueHeads: 4,
  headDim: 256,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  queryPreAttnScalar: 256,
  attnLogitSoftcapping: 50,
  slidingWindow: 4096,
  layerTypes: Object.freeze(Array.from({ length: 26 }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention'))),
  maxPositionEmbeddings: 8192,
  padTokenId: 0,
  bosTokenId: 2,
});

/** Presets keyed by checkpoint name. */
export const GEMMA2_PRESETS: Readonly<Record<string, Gemma2Config>> = Object.freeze({ 'gemma-2-2b': GEMMA_2_2B });

/** Number of parameters of a config (embedding included; Sana never uses the tied LM head). */
export function gemma2ParamCount(c: Gemma2Config): number {
  const h = c.hiddenSize;
  const attn = h * c.numAttentionHeads * c.headDim * 2 + h * c.numKeyValueHeads * c.headDim * 2;
  const layer = attn + 3 * h * c.intermediateSize + 4 * h;
  return c.vocabSize * h + c.numHiddenLayers * layer + h;
}

type Json = Record<string, unknown>;

function int(json: Json, key: string, file: string | undefined, fallback?: number): number {
  const v = json[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ConfigError(key, `must be a positive integer, got ${JSON.stringify(json[key])}`, file);
  }
  return v;
}

function num(json: Json, key: string, file: string | undefined, fallback?: number): number {
  const v = json[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigError(key, `must be a positive number, got ${JSON.stringify(json[key])}`, file);
  return v;
}

/**
 * Reads a transformers Gemma-2 `config.json` (the `text_encoder/` folder of a diffusers Sana checkpoint), checking
 * every field the encoder uses; a wrong one is a `ConfigError` that names it.
 * @example
 * const config = fromDiffusersConfig(JSON.parse(await readFile('sana/text_encoder/config.json', 'utf8')));
 * config.layerTypes[0]; // 'sliding_attention'
 */
export function fromDiffusersConfig(json: unknown, file?: string): Gemma2Config {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError('(root)', 'must be a JSON object', file);
  const j = json as Json;
  if (j.model_type !== undefined && j.model_type !== 'gemma2') throw new ConfigError('model_type', `is ${JSON.stringify(j.model_type)}; this encoder implements "gemma2"`, file);
  const act = j.hidden_activation ?? j.hidden_act;
  if (act !== 'gelu_pytorch_tanh') throw new ConfigError('hidden_activation', `is ${JSON.stringify(act)}; only "gelu_pytorch_tanh" is implemented`, file);
  if (j.attention_bias) throw new ConfigError('attention_bias', 'is true; Gemma-2 checkpoints have no attention biases and this encoder builds none', file);
  if (j.use_bidirectional_attention) throw new ConfigError('use_bidirectional_attention', 'is set; Sana uses the causal Gemma-2 encoder', file);

  const hiddenSize = int(j, 'hidden_size', file);
  const numAttentionHeads = int(j, 'num_attention_heads', file);
  const numKeyValueHeads = int(j, 'num_key_value_heads', file, numAttentionHeads);
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    throw new ConfigError('num_key_value_heads', `(${numKeyValueHeads}) must divide num_attention_heads (${numAttentionHeads})`, file);
  }
  const headDim = int(j, 'head_dim', file, Math.floor(hiddenSize / numAttentionHeads));
  if (headDim % 2 !== 0) throw new ConfigError('head_dim', `(${headDim}) must be even for the rotary embedding`, file);
  const numHiddenLayers = int(j, 'num_hidden_layers', file);

  // transformers 5 nests RoPE under rope_parameters; 4.x has a flat rope_theta.
  const rope = (j.rope_parameters ?? j.rope_scaling ?? {}) as Json;
  const ropeType = rope.rope_type ?? rope.type ?? 'default';
  if (ropeType !== 'default') throw new ConfigError('rope_parameters.rope_type', `is ${JSON.stringify(ropeType)}; only "default" RoPE is implemented`, file);
  const ropeTheta = num({ rope_theta: rope.rope_theta ?? j.rope_theta }, 'rope_theta', file, 10000);

  let layerTypes: Gemma2LayerType[];
  if (j.layer_types === undefined || j.layer_types === null) {
    layerTypes = Array.from({ length: numHiddenLayers }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention'));
  } else {
    const lt = j.layer_types;
    if (!Array.isArray(lt) || lt.length !== numHiddenLayers || lt.some((t) => t !== 'sliding_attention' && t !== 'full_attention')) {
      throw new ConfigError('layer_types', `must list "sliding_attention" or "full_attention" for each of the ${numHiddenLayers} layers`, file);
    }
    layerTypes = lt as Gemma2LayerType[];
  }

  const cap = j.attn_logit_softcapping;
  if (cap !== null && cap !== undefined && (typeof cap !== 'number' || !(cap > 0))) {
    throw new ConfigError('attn_logit_softcapping', `must be a positive number or null, got ${JSON.stringify(cap)}`, file);
  }
  const padTokenId = j.pad_token_id ?? 0;
  const bosTokenId = j.bos_token_id ?? 2;
  if (typeof padTokenId !== 'number' || typeof bosTokenId !== 'number') throw new ConfigError('pad_token_id', 'and bos_token_id must be integers', file);

  return Object.freeze({
    vocabSize: int(j, 'vocab_size', file),
    hiddenSize,
    intermediateSize: int(j, 'intermediate_size', file),
    numHiddenLayers,
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    rmsNormEps: num(j, 'rms_norm_eps', file, 1e-6),
    ropeTheta,
    queryPreAttnScalar: num(j, 'query_pre_attn_scalar', file),
    attnLogitSoftcapping: (cap as number | null | undefined) ?? null,
    slidingWindow: int(j, 'sliding_window', file),
    layerTypes: Object.freeze(layerTypes),
    maxPositionEmbeddings: int(j, 'max_position_embeddings', file, 8192),
    padTokenId,
    bosTokenId,
  });
}
