// `sana generate`: load, encode, denoise with a progress bar, decode, write the PNG atomically.
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { ArgumentError, type Device, type WebGpuOptions } from '@sana/core';
import type { DitGraphVariant } from '@sana/linear-dit';
import { encodePng } from './png.js';
import { loadPretrained } from './node-pretrained.js';
import { SanaPipeline } from './sana-pipeline.js';
import { SanaSprintPipeline } from './sana-sprint-pipeline.js';

export interface GenerateCliOptions {
  readonly model?: string;
  readonly out: string;
  readonly negative: string;
  readonly steps?: number;
  readonly guidance: number;
  readonly seed: number;
  readonly width?: number;
  readonly height?: number;
  readonly binning: boolean;
  readonly chi: boolean;
  readonly maxSequenceLength: number;
  readonly device: Device;
  readonly dtype: 'fp32' | 'fp16' | 'int8';
  readonly threads?: number;
  readonly cacheDir?: string;
  readonly quiet?: boolean;
  /** --transformer-graph: the DiT graph layout (LoadOptions.transformerGraph). */
  readonly transformerGraph?: DitGraphVariant;
  /** --webgpu-buffer-cache: the WebGPU EP's storage buffer cache mode. */
  readonly webgpuBufferCache?: NonNullable<WebGpuOptions['storageBufferCacheMode']>;
}

/** Writes `bytes` to `path` whole or not at all: a temporary file beside it, then a rename. */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function runGenerate(prompt: string, o: GenerateCliOptions): Promise<void> {
  if (!o.model) throw new ArgumentError('--model', 'is required (a diffusers checkpoint folder or URL), or set SANA_MODEL');
  if (!o.out.toLowerCase().endsWith('.png')) throw new ArgumentError('--out', `is "${o.out}"; the output is a PNG file (name it *.png)`);
  const tty = !o.quiet && process.stderr.isTTY;
  const log = (s: string) => { if (!o.quiet) process.stderr.write(`${s}\n`); };
  const started = performance.now();
  const bar = new SingleBar({ format: '{stage} [{bar}] {value}/{total} {detail}', hideCursor: true, stream: process.stderr }, Presets.shades_classic);
  let barOn = false;
  const stage = (name: string, total: number, detail = '') => {
    if (!tty) { log(`${name} ${detail}`.trim()); return; }
    if (barOn) bar.stop();
    bar.start(total, 0, { stage: name.padEnd(10), detail });
    barOn = true;
  };

  stage('load', 1, o.model);
  const parts = await loadPretrained(o.model, {
    device: o.device, dtype: o.dtype, threads: o.threads, cacheDir: o.cacheDir, transformerGraph: o.transformerGraph,
    webgpu: o.webgpuBufferCache ? { storageBufferCacheMode: o.webgpuBufferCache } : undefined,
    onDownload: (p) => { if (tty && barOn) bar.update(0, { detail: `${p.file} ${(p.loaded / 2 ** 20).toFixed(1)} MiB` }); },
    onProgress: (p) => { if (tty && barOn) bar.update(0, { detail: `${p.stage} ${p.component}` }); else log(`  ${p.stage} ${p.component}`); },
  });
  const loaded = performance.now();
  const sprint = parts.kind === 'SanaSprintPipeline';
  const pipe = sprint ? new SanaSprintPipeline(parts) : new SanaPipeline(parts);
  const steps = o.steps ?? (sprint ? 2 : 20);
  stage('denoise', steps, `${sprint ? 'Sana-Sprint SCM' : 'Flow-DPM-Solver'}`);
  const result = await pipe.generate({
    prompt, negativePrompt: o.negative, steps, guidanceScale: o.guidance, seed: o.seed, width: o.width, height: o.height,
    useResolutionBinning: o.binning, complexHumanInstruction: o.chi ? undefined : null, maxSequenceLength: o.maxSequenceLength,
    onStep: (s) => { if (tty) bar.update(s.step + 1); else log(`  step ${s.step + 1}/${s.steps}`); },
  });
  if (barOn) bar.stop();
  const img = result.images[0];
  await writeAtomic(o.out, encodePng(img.rgba, img.width, img.height));
  const t = result.timings;
  log(`wrote ${o.out} (${img.width}x${img.height})`);
  log(`timings: load ${((loaded - started) / 1000).toFixed(2)} s, text ${t.textEncoder.toFixed(2)} s, denoise ${t.denoise.toFixed(2)} s (${steps} steps), decode ${t.decode.toFixed(2)} s, total ${((performance.now() - started) / 1000).toFixed(2)} s`);
}
