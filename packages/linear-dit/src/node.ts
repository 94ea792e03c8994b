// Node-only loading of a diffusers transformer folder (config.json + safetensors): graph, ONNX bytes, or a ready session.
// Not exported from index.ts, so the browser build never imports fs (index.node.ts re-exports it for Node).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FormatError, IN_MEMORY_LIMIT, openComponentWeights, serializeModel, sessionFromGraph,
  type Backend, type Graph, type SerializedModel, type SessionOptions,
} from '@sana/core';
import { fromDiffusersConfig, type SanaTransformerConfig } from './config.js';
import { buildTransformerGraph, type BuildTransformerOptions } from './sana-transformer.js';
import { SanaTransformer } from './transformer-session.js';

/** Reads and validates `<dir>/config.json`. */
export async function readTransformerConfig(dir: string): Promise<SanaTransformerConfig> {
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new FormatError(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, path, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`is not valid JSON (${(e as Error).message})`, path, { cause: e });
  }
  return fromDiffusersConfig(json, path);
}

/**
 * Builds the graph of a diffusers transformer folder (`config.json` + `diffusion_pytorch_model.safetensors`
 * or its sharded index).
 * @example const { config, graph } = await loadTransformerGraph('ckpt/transformer', { floatType: 'float16' });
 */
export async function loadTransformerGraph(dir: string, options: BuildTransformerOptions = {}): Promise<{ config: SanaTransformerConfig; graph: Graph }> {
  const config = await readTransformerConfig(dir);
  const weights = await openComponentWeights(dir, 'diffusion_pytorch_model');
  try {
    return { config, graph: await buildTransformerGraph(config, weights, options) };
  } finally {
    await (weights as { close?: () => Promise<void> }).close?.();
  }
}

/**
 * The ONNX model of a diffusers transformer folder. Small models come back as one protobuf (`model.model`);
 * above `IN_MEMORY_LIMIT` bytes of weights (protobuf caps at 2 GB) the weights are in `model.externalData`,
 * to be written beside the model as `model.onnx.data` (see `writeOnnxModel`).
 * @example
 * const { model } = await loadTransformer('fixtures/reference/sana/transformer');
 * const session = await backend.createSession(model.model);
 */
export async function loadTransformer(dir: string, options: BuildTransformerOptions = {}): Promise<{ config: SanaTransformerConfig; model: SerializedModel }> {
  const { config, graph } = await loadTransformerGraph(dir, options);
  let bytes = 0;
  for (const t of graph.initializers.values()) bytes += t.data.byteLength;
  const model = serializeModel(graph, bytes < IN_MEMORY_LIMIT ? {} : { externalDataName: 'model.onnx.data' });
  return { config, model };
}

/**
 * Builds a transformer folder and opens it on `backend` (through a temporary model file when over 2 GB).
 * @example
 * const dit = await openTransformer(await createBackend('cpu'), 'ckpt/transformer', { threads: 2 });
 * const sample = await dit.forward({ hiddenStates, timestep: 999, encoderHiddenStates, encoderAttentionMask });
 */
export async function openTransformer(
  backend: Backend, dir: string, options: BuildTransformerOptions & { session?: SessionOptions } = {},
): Promise<SanaTransformer> {
  const { config, graph } = await loadTransformerGraph(dir, options);
  const session = await sessionFromGraph(backend, graph, { label: 'transformer', ...options.session });
  return new SanaTransformer(session, config, graph.floatType);
}
