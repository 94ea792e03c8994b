// Node-only: opens a diffusers `vae/` folder (config.json + diffusion_pytorch_model.safetensors). Not exported from index.ts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError, openComponentWeights, type WeightStore } from '@sana/core';
import { fromDiffusersConfig, type DcAeConfig } from './config.js';

/**
 * Reads and validates `dir/config.json` and opens the weights (single file or sharded index), lazily.
 * @example const { config, weights, close } = await openDcAeFolder('Sana_600M_1024px_diffusers/vae');
 */
export async function openDcAeFolder(dir: string): Promise<{ config: DcAeConfig; weights: WeightStore; close(): Promise<void> }> {
  const file = join(dir, 'config.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new FormatError(`cannot be read as JSON (${(e as Error).message})`, file, { cause: e });
  }
  const config = fromDiffusersConfig(json, file);
  const weights = await openComponentWeights(dir, 'diffusion_pytorch_model');
  // The store reads lazily through open file handles; close them once the graphs are built.
  const close = () => (weights as { close?: () => Promise<void> }).close?.() ?? Promise.resolve();
  return { config, weights, close };
}
