// Node loading of Sana's text encoder from a diffusers checkpoint folder (tokenizer/, text_encoder/); not for browsers.
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  FormatError, createBackend, openComponentWeights, serializeModel,
  type Backend, type Device, type FloatType, type Graph, type Session, type SessionOptions,
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

/** Above this many bytes of weights, a graph goes through a temporary model.onnx + external data file. */
export const EXTERNAL_DATA_THRESHOLD = 1.5 * 2 ** 30;

/**
 * V8's collector, reached without `--expose-gc`. Building a full-size graph holds every weight in JS
 * (10 GB for Gemma-2-2B in fp32); collecting it before ONNX Runtime loads its own copy halves the peak memory.
 */
function collectGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch { /* not available: V8 collects later on its own */ }
}

/**
 * Opens a session for the graph `build()` returns. Small graphs are serialized in memory; larger ones are written to
 * a temporary folder with external data (protobuf caps a model at 2 GB), dropped from JS memory, and loaded from
 * the path (the folder is removed once ONNX Runtime has read it).
 * @example const s = await sessionForGraph(backend, () => buildGemma2Graph(GEMMA_2_2B, randomGemma2Weights(GEMMA_2_2B)));
 */
export async function sessionForGraph(backend: Backend, build: () => Graph | Promise<Graph>, options: SessionOptions = {}): Promise<Session> {
  let g: Graph | undefined = await build();
  const label = options.label ?? g.name;
  let bytes = 0;
  for (const t of g.initializers.values()) bytes += t.data.byteLength;
  if (bytes < EXTERNAL_DATA_THRESHOLD) return backend.createSession(serializeModel(g).model, { ...options, label });
  const dir = await mkdtemp(join(tmpdir(), 'sana-te-'));
  try {
    const path = join(dir, 'model.onnx');
    const m = serializeModel(g, { externalDataName: 'model.onnx.data' });
    g = undefined;
    await writeFile(path, m.model);
    const fh = await open(`${path}.data`, 'w');
    try {
      for (let i = 0; i < m.externalData.length; i++) {
        const chunk = m.externalData[i];
        // fs writes at most 2 GiB at once; Gemma-2-2B's fp32 embedding alone is 2.36 GB.
        for (let at = 0; at < chunk.byteLength; at += 2 ** 30) await fh.write(chunk.subarray(at, Math.min(at + 2 ** 30, chunk.byteLength)));
        m.externalData[i] = new Uint8Array(0); // let the collector take each weight once it is on disk
      }
    } finally {
      await fh.close();
    }
    collectGarbage();
    return await backend.createSession(path, { ...options, label });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

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
  const session = await sessionForGraph(backend, build, { label: 'text_encoder', ...options.session });
  return new GemmaTextEncoder(session, config, tokenizer);
}
