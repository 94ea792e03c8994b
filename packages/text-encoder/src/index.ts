// @sana/text-encoder: Gemma-2 text encoder, tokenizer and complex human instruction for Sana (browser-safe: no fs).
export * from './gemma2-config.js';
export * from './gemma2-weights.js';
export { buildGemma2Graph, GEMMA2_IO, type Gemma2GraphOptions } from './gemma2-graph.js';
export { ropeInvFreq, MASK_MIN } from './gemma2-attention.js';
export { Tokenizer, preprocessCaption, type EncodeOptions, type EncodedBatch } from './tokenizer.js';
export { COMPLEX_HUMAN_INSTRUCTION, DEFAULT_MAX_SEQUENCE_LENGTH, promptLayout, type PromptLayout } from './chi.js';
export {
  GemmaTextEncoder, checkVocabulary, selectPositions,
  type EncodePromptOptions, type PromptEmbeddings, type BuildOptions,
} from './text-encoder.js';
