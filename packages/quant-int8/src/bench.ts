// Benchmark target `dit-int8` (`pnpm bench --quant`): Sana-600M transformer forward, fp32 vs INT8, on ORT CPU.
// Every variant is open at once and the runs interleave (fp32, int8, int8, fp32, ...) in one process, so load
// from other processes falls on all of them alike. Heavy: run under `flock /tmp/sana-heavy.lock`.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compareArrays, createBackend, median, randn, serializeModel, tensor, timeInterleaved, writeOnnxModel,
  type Device, type Graph, type NodeSpec, type Tensor,
} from '@sana/core';
import { RandomWeights, SANA_600M_1024PX, SanaTransformer, buildTransformerGraph, type SanaTransformerConfig } from '@sana/linear-dit';
import { quantizeGraph, type QuantizeOptions } from './quantize.js';

export { int8FormsBench } from './bench-forms.js';

/** What scripts/bench.ts passes (structurally its BenchContext). */
interface Ctx { readonly device: Device; readonly threads?: number; readonly quick: boolean }

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const BATCH = 2;
const TEXT_LEN = 300;

interface Variant { readonly name: string; readonly options?: QuantizeOptions }

/** fp32 first: the reference of every ratio. */
export const VARIANTS: readonly Variant[] = [
  { name: 'fp32' },
  { name: 'int8_per_tensor', options: { mode: 'cpu', activations: 'per-tensor' } },
  { name: 'int8_per_token', options: { mode: 'cpu', activations: 'per-token' } },
  { name: 'int8_nbits_acc4', options: { mode: 'webgpu', accuracyLevel: 4, blockSize: 128 } },
];

/** Runs `fn` on `g` quantized with `options`, then puts the float graph back (nodes, weights, domains). */
async function withQuantized<T>(g: Graph, options: QuantizeOptions | undefined, fn: () => Promise<T>): Promise<T> {
  if (!options) return fn();
  const nodes: NodeSpec[] = [...g.nodes];
  const inits = new Map(g.initializers);
  const domains = new Map(g.domains);
  quantizeGraph(g, options);
  try {
    return await fn();
  } finally {
    g.nodes.length = 0;
    g.nodes.push(...nodes);
    g.initializers.clear();
    for (const [k, v] of inits) g.initializers.set(k, v);
    g.domains.clear();
    for (const [k, v] of domains) g.domains.set(k, v);
  }
}

async function fileBytes(path: string): Promise<number> {
  let n = (await stat(path)).size;
  try { n += (await stat(`${path}.data`)).size; } catch { /* no external data */ }
  return n;
}

/**
 * Builds `config` with seeded random weights once, writes the fp32 model and each INT8 variant as ONNX files,
 * opens them all, and times batch-2 forwards at `px` with interleaved runs (1 warm-up each, then `runs` rounds).
 */
export async function benchQuantTransformer(config: SanaTransformerConfig, px: number, ctx: Ctx, runs: number, variants = VARIANTS) {
  const dir = await mkdtemp(join(tmpdir(), 'sana-int8-bench-'));
  try {
    let g: Graph | undefined = await buildTransformerGraph(config, new RandomWeights(config, 0));
    const files: { v: Variant; path: string; bytes: number }[] = [];
    for (const v of variants) {
      const path = join(dir, `${v.name}.onnx`);
      const t0 = performance.now();
      await withQuantized(g, v.options, () => writeOnnxModel(path, serializeModel(g!, { externalDataName: `${v.name}.onnx.data` })));
      files.push({ v, path, bytes: await fileBytes(path) });
      console.error(`[dit-int8] wrote ${v.name} (${round((performance.now() - t0) / 1000)} s)`);
    }
    g = undefined; // ORT reads its own copies from the files
    const backend = await createBackend(ctx.device);
    const sessions = [];
    for (const f of files) sessions.push({ ...f, dit: new SanaTransformer(await backend.createSession(f.path, { label: f.v.name, threads: ctx.threads }), config, 'float32') });

    const hw = px / 32; // DC-AE f32 latents
    const inputs = {
      hiddenStates: tensor('float32', randn([BATCH, config.inChannels, hw, hw], 1), [BATCH, config.inChannels, hw, hw]),
      timestep: tensor('float32', Float32Array.from([999, 500]), [BATCH]),
      encoderHiddenStates: tensor('float32', randn([BATCH, TEXT_LEN, config.captionChannels], 2), [BATCH, TEXT_LEN, config.captionChannels]),
      encoderAttentionMask: tensor('float32', new Float32Array(BATCH * TEXT_LEN).fill(1), [BATCH, TEXT_LEN]),
    };
    const outputs: Tensor[] = [];
    for (const s of sessions) outputs.push(await s.dit.forward(inputs)); // warm-up (and the outputs compared below)
    const ms = await timeInterleaved(sessions.map((s) => () => s.dit.forward(inputs)), runs);
    for (const s of sessions) await s.dit.release();
    const ref = outputs[0].data as Float32Array;
    const fp32 = { median: median(ms[0]), bytes: files[0].bytes };
    const results: Record<string, unknown> = {};
    sessions.forEach((s, i) => {
      const m = median(ms[i]);
      results[s.v.name] = {
        median_ms: round(m), min_ms: round(Math.min(...ms[i])), runs_ms: ms[i].map((x) => round(x)),
        model_mib: round(s.bytes / 2 ** 20), size_vs_fp32: round(s.bytes / fp32.bytes, 3),
        speedup_vs_fp32: round(fp32.median / m, 2),
        out_relmax_vs_fp32: i === 0 ? 0 : Number(compareArrays(outputs[i].data as Float32Array, ref, 'relmax').toExponential(3)),
      };
    });
    return {
      px, latent: `${hw}x${hw}`, batch: BATCH, text_len: TEXT_LEN, threads: ctx.threads ?? 'ort-default', runs,
      timing: 'interleaved in one process (order alternates per round), 1 warm-up each; median of runs',
      ...results,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const quantDitBench = {
  name: 'dit-int8',
  description: 'Sana-600M transformer 512px batch 2 text 300, random weights, ORT CPU: fp32 vs INT8 (W8A8 per-tensor / per-token, MatMulNBits) time, ratio, size (heavy: flock)',
  quant: true,
  run: (ctx: Ctx) => benchQuantTransformer(SANA_600M_1024PX, 512, ctx, ctx.quick ? 3 : 7).then((r) => ({ model: 'Sana_600M_1024px', ...r })),
};
