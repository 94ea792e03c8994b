// @sana/linear-dit: the Linear DiT (diffusers SanaTransformer2DModel) as an ONNX graph. Platform neutral (no fs).
export * from './config.js';
export { expectedWeights, countParameters, checkWeights, RandomWeights } from './weights.js';
export { buildTransformerGraph, TRANSFORMER_IO, type BuildTransformerOptions } from './sana-transformer.js';
export { SanaTransformer, transformerFeeds, type TransformerInputs } from './transformer-session.js';
export { timestepFrequencies } from './timestep-embedding.js';
export { sinCosFrequencies } from './patch-embed.js';
export { LINEAR_ATTENTION_EPS } from './linear-attention.js';
export { DEFAULT_DIT_VARIANT, DIT_VARIANTS, resolveDitVariant, type DitGraphVariant, type ResolvedDitVariant } from './graph-variant.js';
