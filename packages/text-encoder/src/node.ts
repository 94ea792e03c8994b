// Node loading of Sana's text encoder from a diffusers checkpoint folder (tokenizer/, text_encoder/); not for browsers.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FormatError, IN_MEMORY_LIMIT, createBackend, openComponentWeights, sessionFromGraphBuilder,
  type Backend, type Device, type FloatType, type SessionOptions,
} from '@sana/core';
import { fromDiffusersConfig, type Gemma2Config } from './gemma2-config.js';
import { loadGemma2Weights, takeOnce } from './gemma2-weights.js';
import { buildGemma2Graph } from './gemma2-graph.js';
import { GemmaTextEncoder, checkVocabulary } from './text-encoder.js';
import { Tokenizer } from './tokenizer.js';

async function readJson(path: string, what: string, optional = false): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (optional && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const code = (e as NodeJS.ErrnoException).code;
    throw new FormatError(code === 'ENOENT' ? `is missing (${what})` : `cannot be read (${code ?? (e as Error).message})`, path, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(`is not valid JSON (${(e as Error).message}); expected ${what}`, path, { cause: e });
  }
}

/**
 * Loads `tokenizer.json` (required) and `tokenizer_config.json` (optional) from a folder.
 * @example const tok = await loadTokenizer('Sana_600M_1024px_diffusers/tokenizer');
 */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  const path = join(dir, 'tokenizer.json');
  const tj = await readJson(path, 'an HF tokenizers tokenizer.json');
  const cfg = await readJson(join(dir, 'tokenizer_config.json'), 'tokenizer_config.json', true);
  return Tokenizer.fromJson(tj, cfg ?? {}, path);
}

/** Reads and validates `config.json` of a Gemma-2 `text_encoder/` folder. */
export async function loadGemma2Config(dir: string): Promise<Gemma2Config> {
  const path = join(dir, 'config.json');
  return fromDiffusersConfig(await readJson(path, 'a transformers Gemma2 config.json'), path);
}

/** Above this many bytes of weights, a graph goes through a temporary model.onnx + external data file (core's `IN_MEMORY_LIMIT`). */
export const EXTERNAL_DATA_THRESHOLD = IN_MEMORY_LIMIT;

/**
 * Opens a session for the graph `build()` returns; this is core's `sessionFromGraphBuilder`, kept under its old name.
 * Small graphs are serialized in memory; larger ones go through a temporary folder with external data (protobuf caps
 * a model at 2 GB), dropped from JS memory before ONNX Runtime loads them from the path.
 * @example const s = await sessionForGraph(backend, () => buildGemma2Graph(GEMMA_2_2B, randomGemma2Weights(GEMMA_2_2B)));
 */
export const sessionForGraph = sessionFromGraphBuilder;

export interface LoadTextEncoderOptions {
  /** Default: `createBackend(device)`. */
  readonly backend?: Backend;
  readonly device?: Device;
  /** 'float32' (default) or 'float16'. */
  readonly floatType?: FloatType;
  readonly session?: SessionOptions;
}

/**
 * Loads tokenizer/ and text_encoder/ of a diffusers Sana checkpoint folder and builds the encoder.
 * @example
 * const te = await loadTextEncoder('Sana_600M_1024px_diffusers', { session: { threads: 2 } });
 * const { embeds, mask } = await te.encodePrompt({ prompts: ['a cyberpunk cat'] });
 */
export async function loadTextEncoder(checkpointDir: string, options: LoadTextEncoderOptions = {}): Promise<GemmaTextEncoder> {
  const tokenizer = await loadTokenizer(join(checkpointDir, 'tokenizer'));
  const dir = join(checkpointDir, 'text_encoder');
  const config = await loadGemma2Config(dir);
  checkVocabulary(tokenizer, config); // before reading gigabytes of weights
  const store = await openComponentWeights(dir, 'model');
  const backend = options.backend ?? await createBackend(options.device ?? 'cpu');
  const build = async () => {
    try {
      return buildGemma2Graph(config, takeOnce(await loadGemma2Weights(store, config)), { floatType: options.floatType, name: 'text_encoder' });
    } finally {
      await (store as { close?: () => Promise<void> }).close?.(); // single-file stores hold a file handle
    }
  };
  const session = await sessionFromGraphBuilder(backend, build, { label: 'text_encoder', ...options.session });
  return new GemmaTextEncoder(session, config, tokenizer);
}
