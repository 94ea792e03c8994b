// @sana/text-encoder for Node: everything in index.ts plus loading from a checkpoint folder on disk.
export * from './index.js';
export {
  loadTokenizer, loadGemma2Config, loadTextEncoder, sessionForGraph, EXTERNAL_DATA_THRESHOLD,
  type LoadTextEncoderOptions,
} from './node.js';
