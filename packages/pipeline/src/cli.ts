#!/usr/bin/env node
// The `sana` command line: generate an image, convert a checkpoint to ONNX graphs.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SanaError, DEVICES, type Device } from '@sana/core';
import { DIT_VARIANTS, type DitGraphVariant } from '@sana/linear-dit';
import { runGenerate } from './cli-generate.js';
import { outsideVocabularyNote } from './vocabulary-note.js';
import { convertCheckpoint } from './convert.js';

function int(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got "${v}"`);
    return n;
  };
}
function num(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
    return n;
  };
}

/** `--transformer-graph mixffn-matmul,cross-mha`: named layouts of DIT_VARIANTS merged into one. */
function transformerGraph(v: string): DitGraphVariant {
  const names = Object.keys(DIT_VARIANTS).filter((n) => n !== 'baseline');
  return v.split(',').reduce<DitGraphVariant>((acc, name) => {
    if (!names.includes(name)) throw new InvalidArgumentError(`--transformer-graph: "${name}" is not a layout; expected a comma list of ${names.join(', ')}`);
    return { ...acc, ...DIT_VARIANTS[name] };
  }, {});
}

// The model embedded in the repository (models/sana-shapes), the default when neither --model nor SANA_MODEL is
// given. Resolved from this file (src/ or dist/, both two levels under the repository root) so it works from a clone.
const EMBEDDED_MODEL = fileURLToPath(new URL('../../../models/sana-shapes', import.meta.url));
const DEFAULT_MODEL = process.env.SANA_MODEL || (existsSync(`${EMBEDDED_MODEL}/model_index.json`) ? EMBEDDED_MODEL : undefined);

const program = new Command('sana')
  .description('Sana text-to-image on ONNX Runtime (CPU, CUDA, WebGPU)')
  .showHelpAfterError();

program.command('generate')
  .description('generate an image from a prompt')
  .argument('<prompt>', 'what to draw')
  .requiredOption('-m, --model <dir|url>', 'a diffusers Sana / Sana-Sprint checkpoint folder, or a base URL with that layout (default: $SANA_MODEL, else the embedded models/sana-shapes)', DEFAULT_MODEL)
  .option('-o, --out <file.png>', 'output PNG', 'sana.png')
  .option('--negative <prompt>', 'negative prompt (Sana only)', '')
  .option('--steps <n>', 'sampling steps (default 20, Sprint 2)', int('--steps'))
  .option('--guidance <scale>', 'guidance scale', num('--guidance'), 4.5)
  .option('--seed <n>', 'noise seed (torch-compatible)', int('--seed'), 0)
  .option('--width <px>', 'image width (default: the model\'s native size)', int('--width'))
  .option('--height <px>', 'image height', int('--height'))
  .option('--no-binning', 'use width/height as they are (multiples of 32) instead of the nearest official aspect-ratio bin')
  .option('--no-chi', 'encode the prompt without the complex human instruction')
  .option('--max-sequence-length <n>', 'text tokens given to the transformer', int('--max-sequence-length'), 300)
  .addOption(new Option('--device <device>', 'execution device').choices(DEVICES.filter((d) => d !== 'wasm')).default('cpu'))
  .addOption(new Option('--dtype <dtype>', 'weights and activations (int8: W8A8 linear layers, @sana/quant-int8)').choices(['fp32', 'fp16', 'int8']).default('fp32'))
  .option('--threads <n>', 'CPU threads per session (default: all cores)', int('--threads'))
  .option('--cache-dir <dir>', 'download cache for URL models')
  .option('--transformer-graph <layouts>', 'transformer graph layout, same function (e.g. mixffn-matmul,cross-mha: faster on WebGPU; docs/performance.md)', transformerGraph)
  .addOption(new Option('--webgpu-buffer-cache <mode>', 'with --device webgpu: the EP\'s storage buffer cache mode (simple: faster DC-AE decode, more memory)').choices(['disabled', 'lazyRelease', 'simple', 'bucket']))
  .option('-q, --quiet', 'no progress bar')
  .action(async (prompt: string, opts) => {
    if (opts.model === EMBEDDED_MODEL) {
      const note = await outsideVocabularyNote(EMBEDDED_MODEL, prompt, 'a red circle left of a blue square');
      if (note) process.stderr.write(`sana: ${note}\n`);
    }
    await runGenerate(prompt, { ...opts, device: opts.device as Device });
  });

program.command('convert')
  .description('build the ONNX graphs of a diffusers checkpoint once and write them with a manifest')
  .argument('<diffusers-dir|url>', 'a diffusers Sana / Sana-Sprint checkpoint')
  .argument('<out-dir>', 'a new or empty folder (an earlier conversion there is replaced)')
  .addOption(new Option('--dtype <dtype>', 'weights and activations (int8: W8A8 linear layers)').choices(['fp32', 'fp16', 'int8']).default('fp32'))
  .addOption(new Option('--int8-target <runtime>', 'with --dtype int8: the runtime the INT8 form is for').choices(['cpu', 'webgpu']).default('cpu'))
  .option('--cache-dir <dir>', 'download cache for URL models')
  .option('--transformer-graph <layouts>', 'transformer graph layout written (e.g. mixffn-matmul,cross-mha)', transformerGraph)
  .action(async (source: string, out: string, opts) => {
    const t0 = performance.now();
    const m = await convertCheckpoint(source, out, {
      dtype: opts.dtype, int8Target: opts.int8Target, cacheDir: opts.cacheDir, transformerGraph: opts.transformerGraph,
      onProgress: (p) => process.stderr.write(`${p.stage} ${p.component}\n`),
    });
    process.stderr.write(`wrote ${out}/manifest.json (${m.pipeline}, ${opts.dtype}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Errors we raise on purpose carry a message that names the cause; no stack trace for them.
  if (e instanceof SanaError || (e as Error)?.name === 'AbortError') {
    process.stderr.write(`sana: ${(e as Error).message}\n`);
  } else {
    process.stderr.write(`sana: unexpected error: ${(e as Error)?.stack ?? e}\n`);
  }
  process.exitCode = 1;
}
