// gpu-bench `--only=variants`: graph variants and session options of the Sana-600M DiT and the DC-AE decoder,
// timed against the baseline in one process, interleaved (one run of each candidate per round; median of the rounds).
// WebGPU context options (validation, buffer caches, pending dispatches) belong to the one Dawn device that every
// session of a process shares (the first session's values win), so those run in child processes, each with its own
// device, bracketed by default-option children; everything else is interleaved in this process.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Graph, float32, randn, serializeModel, writeOnnxModel,
  type Backend, type Device, type FloatType, type Session, type SessionOptions, type Tensor, type WeightStore,
} from '@sana/core';
import { DIT_VARIANTS, RandomWeights, SANA_600M_1024PX, SanaTransformer, buildTransformerGraph, transformerFeeds, type DitGraphVariant, type SanaTransformerConfig } from '@sana/linear-dit';
import { DC_AE_F32C32_SANA_1_0, DC_AE_IO, buildDecoderGraph, randomDcAeWeights, type DcAeConfig, type RmsNormMode } from '@sana/dc-ae';

export interface VariantBenchOptions {
  readonly backend: Backend;
  readonly device: Device;
  readonly ft: FloatType;
  readonly quick: boolean;
  /** Timed rounds (each candidate runs once per round) after `warmup` untimed rounds. */
  readonly runs: number;
  readonly warmup: number;
  /** Only these candidate names (and always the baselines). */
  readonly filter?: readonly string[];
  /** WebGPU EP options for every session of this process (e.g. a device option measured process by process). */
  readonly providerOptions?: Readonly<Record<string, string>>;
  /** Seconds a context child may take (default 90; a child builds nothing: it opens the written models and times them). */
  readonly childTimeoutS?: number;
  readonly emit: (o: Record<string, unknown>) => void;
}

/** Session-level candidates, applied to a graph variant. `provider`: WebGPU EP options; `config`: session config entries. */
interface OptionSpec {
  readonly graphOptimizationLevel?: SessionOptions['graphOptimizationLevel'];
  readonly provider?: Readonly<Record<string, string | boolean>>;
  readonly config?: Readonly<Record<string, string>>;
  /** Inputs uploaded once and fed as GPU tensors, outputs left on the GPU (then read back). */
  readonly gpuIo?: boolean;
}
const CAPTURE = { 'ep.webgpuexecutionprovider.enableGraphCapture': '1' };
/** Per-session options (ORT session options and WebGPU EP config, both per session). */
const SESSION_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'opt-basic': { graphOptimizationLevel: 'basic' },
  'opt-extended': { graphOptimizationLevel: 'extended' },
  'layout-nchw': { provider: { preferredLayout: 'NCHW' } },
  'layout-nhwc': { provider: { preferredLayout: 'NHWC' } },
  'gpu-io': { gpuIo: true },
  'graph-capture': { gpuIo: true, config: CAPTURE },
};
/** WebGPU context options: one Dawn device per process, so one child process each. */
const CONTEXT_OPTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'validation-disabled': { validationMode: 'disabled' },
  'validation-wgpuOnly': { validationMode: 'wgpuOnly' },
  'storage-cache-simple': { storageBufferCacheMode: 'simple' },
  'storage-cache-lazyRelease': { storageBufferCacheMode: 'lazyRelease' },
  'uniform-cache-bucket': { uniformBufferCacheMode: 'bucket' },
};

interface Model {
  readonly name: 'dit-600m' | 'dc-ae';
  readonly px: number;
  /** Graph variants by name (the first is the baseline) and their combinations with session options. */
  readonly graphs: Readonly<Record<string, () => Promise<Graph>>>;
  readonly combos: readonly (readonly [graph: string, option: string])[];
  readonly feeds: Record<string, Tensor>;
  readonly output: string;
}

/** A store that keeps every tensor it has read (the 600M fp32 weights: 2.4 GB of host memory). */
function cachedWeights(w: WeightStore): WeightStore {
  const cache = new Map<string, Promise<Float32Array>>();
  return {
    name: w.name, keys: () => w.keys(), has: (k) => w.has(k), info: (k) => w.info(k), get: (k) => w.get(k),
    getFloat32: (k) => { let p = cache.get(k); if (!p) cache.set(k, p = w.getFloat32(k)); return p; },
  };
}

function ditModel(o: VariantBenchOptions): Model {
  // --quick: two blocks of the 600M width at 256 px, so the CPU check runs in seconds.
  const config: SanaTransformerConfig = o.quick ? { ...SANA_600M_1024PX, numLayers: 2 } : SANA_600M_1024PX;
  const px = o.quick ? 256 : 1024;
  const hw = px / 32;
  const b = 2;
  const L = 300;
  const feeds = transformerFeeds(config, o.ft, {
    hiddenStates: float32(randn([b, config.inChannels, hw, hw], 1), [b, config.inChannels, hw, hw]),
    timestep: 500,
    encoderHiddenStates: float32(randn([b, L, config.captionChannels], 2), [b, L, config.captionChannels]),
    encoderAttentionMask: float32(new Float32Array(b * L).fill(1), [b, L]),
  });
  const variants: Record<string, DitGraphVariant> = { ...DIT_VARIANTS };
  if (o.ft === 'float16') {
    variants['cross-mha+attn-fp16'] = { crossAttention: 'mha', attentionPrecision: 'fp16' };
    variants['all-layouts+attn-fp16'] = { ...DIT_VARIANTS['all-layouts'], attentionPrecision: 'fp16' };
  }
  const weights = cachedWeights(new RandomWeights(config, 0)); // generated once, shared by every variant's build
  const graphs = Object.fromEntries(Object.entries(variants).map(([name, variant]) =>
    [name, () => buildTransformerGraph(config, weights, { floatType: o.ft, variant })]));
  return { name: 'dit-600m', px, graphs, combos: [['all-layouts', 'layout-nchw']], feeds, output: 'sample' };
}

function dcAeModel(o: VariantBenchOptions): Model {
  const config: DcAeConfig = o.quick ? { ...DC_AE_F32C32_SANA_1_0, decoderLayersPerBlock: [1, 1, 1, 1, 1, 1] } : DC_AE_F32C32_SANA_1_0;
  const px = o.quick ? 128 : 1024;
  const hw = px / 32;
  const modes: Record<string, RmsNormMode> = { baseline: 'fp32', 'rmsnorm-fp16': 'fp16', 'rmsnorm-simplified': 'simplified' };
  const graphs = Object.fromEntries(Object.entries(modes).map(([name, rmsNorm]) =>
    [name, () => buildDecoderGraph(config, randomDcAeWeights(config, { parts: ['decoder'] }), { floatType: o.ft, rmsNorm })]));
  return {
    name: 'dc-ae', px, graphs, combos: [['rmsnorm-simplified', 'layout-nchw']],
    feeds: { [DC_AE_IO.latent]: float32(randn([1, 32, hw, hw], 3), [1, 32, hw, hw]) }, output: DC_AE_IO.image,
  };
}

/** ORT session options for a candidate; WebGPU provider options ride in `extra.executionProviders`. */
function sessionOptions(device: Device, label: string, spec: OptionSpec, context?: Readonly<Record<string, string>>): SessionOptions {
  const extra: Record<string, unknown> = {};
  const provider = { ...context, ...spec.provider };
  if (Object.keys(provider).length) extra.executionProviders = [{ name: device, ...provider }];
  if (spec.config) extra.extra = spec.config; // ORT session config entries (`ep.webgpuexecutionprovider.*`)
  return {
    label, graphOptimizationLevel: spec.graphOptimizationLevel,
    preferredOutputLocation: spec.gpuIo ? 'gpu-buffer' : undefined,
    extra: Object.keys(extra).length ? extra : undefined,
  };
}

const webgpuOnly = (spec: OptionSpec) => Boolean(spec.provider || spec.config);

/**
 * Feeds as GPU tensors, uploaded once: through the backend's `toDevice` where it has one, else an Identity graph
 * with GPU outputs (the same Dawn device serves every session of the process).
 */
async function uploadFeeds(backend: Backend, session: Session, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const toDevice = (backend as { toDevice?: (t: Tensor) => Promise<Tensor> }).toDevice;
  if (toDevice) {
    const entries = await Promise.all(session.inputs.map(async (i) => [i.name, await toDevice.call(backend, feeds[i.name])] as const));
    if (entries[0][1].location !== 'gpu-buffer') throw new Error(`this device (${backend.device}) returns no GPU tensors`);
    return Object.fromEntries(entries);
  }
  const g = new Graph('upload');
  for (const inp of session.inputs) {
    const t = feeds[inp.name];
    g.output(g.input(inp.name, t.dtype, t.dims), `${inp.name}_gpu`, t.dtype, t.dims); // one Identity node each
  }
  const up = await backend.createSession(serializeModel(g).model, { label: 'upload', preferredOutputLocation: 'gpu-buffer' });
  const out = await up.run(feeds);
  if (out[`${session.inputs[0].name}_gpu`].location !== 'gpu-buffer') throw new Error(`this device (${backend.device}) returns no GPU tensors`);
  return Object.fromEntries(session.inputs.map((i) => [i.name, out[`${i.name}_gpu`]]));
}

interface Candidate {
  readonly name: string;
  readonly run: () => Promise<void>;
  readonly release: () => Promise<void>;
  readonly ms: number[];
  failed?: boolean;
  readonly info: Record<string, unknown>;
}

async function candidate(o: VariantBenchOptions, m: Model, name: string, path: string, spec: OptionSpec, context?: Readonly<Record<string, string>>): Promise<Candidate | undefined> {
  const emitError = (error: string) => o.emit({ target: 'variants', model: m.name, variant: name, error });
  if ((webgpuOnly(spec) || o.providerOptions) && o.device !== 'webgpu') return void emitError(`a WebGPU EP option; not applicable on ${o.device}`);
  const t0 = performance.now();
  let session: Session;
  try {
    const ctx = o.providerOptions || context ? { ...o.providerOptions, ...context } : undefined;
    session = await o.backend.createSession(path, sessionOptions(o.device, `${m.name}/${name}`, spec, ctx));
  } catch (e) {
    return void emitError(`session: ${(e as Error).message.slice(0, 400)}`);
  }
  const sessionMs = Math.round(performance.now() - t0);
  let feeds = m.feeds;
  if (spec.gpuIo) {
    try {
      feeds = await uploadFeeds(o.backend, session, m.feeds);
    } catch (e) {
      await session.release();
      return void emitError(`GPU inputs: ${(e as Error).message.slice(0, 400)}`);
    }
  }
  const release = async () => {
    if (spec.gpuIo) for (const t of Object.values(feeds)) t.dispose();
    await session.release();
  };
  const run = async () => {
    const out = (await session.run(feeds))[m.output];
    await out.read();
    if (spec.gpuIo && !spec.config) out.dispose(); // graph capture replays into the same output buffer
  };
  return { name, run, release, ms: [], info: { session_ms: sessionMs } };
}

/** Warm-up rounds, then timed rounds, each round running every candidate once in order. */
async function interleave(o: VariantBenchOptions, model: string, cands: Candidate[]) {
  for (let r = 0; r < o.warmup + o.runs; r++) {
    for (const c of cands) {
      if (c.failed) continue;
      const t = performance.now();
      try {
        await c.run();
      } catch (e) {
        c.failed = true;
        o.emit({ target: 'variants', model, variant: c.name, error: `run: ${(e as Error).message.slice(0, 400)}` });
        continue;
      }
      if (r >= o.warmup) c.ms.push(performance.now() - t);
    }
  }
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

/** Builds a graph variant, writes it to `dir`, returns the model path and the build time. */
async function writeGraph(make: () => Promise<Graph>, dir: string, name: string): Promise<{ path: string; buildMs: number }> {
  const t0 = performance.now();
  const g = await make();
  const buildMs = Math.round(performance.now() - t0);
  const path = join(dir, `${name}.onnx`);
  await writeOnnxModel(path, serializeModel(g, { externalDataName: `${name}.onnx.data` }));
  return { path, buildMs };
}

/** The in-process part for one model: every graph variant and per-session option, interleaved with the baseline. */
async function benchModel(o: VariantBenchOptions, m: Model, dir: string): Promise<string> {
  const want = (n: string) => n === 'baseline' || !o.filter || o.filter.includes(n);
  const paths: Record<string, string> = {};
  const cands: Candidate[] = [];
  const add = (c: Candidate | undefined, info: Record<string, unknown>) => { if (c) { Object.assign(c.info, info); cands.push(c); } };
  for (const [name, make] of Object.entries(m.graphs)) {
    const needed = want(name) || m.combos.some(([gr, op]) => gr === name && want(`${gr}+${op}`));
    if (!needed) continue;
    try {
      const { path, buildMs } = await writeGraph(make, dir, `${m.name}-${name}`);
      paths[name] = path;
      if (want(name)) add(await candidate(o, m, name, path, {}), { build_ms: buildMs });
    } catch (e) {
      o.emit({ target: 'variants', model: m.name, variant: name, error: `build: ${(e as Error).message.slice(0, 400)}` });
    }
  }
  for (const [name, spec] of Object.entries(SESSION_OPTIONS)) if (want(name)) add(await candidate(o, m, name, paths.baseline, spec), {});
  for (const [gr, op] of m.combos) if (paths[gr] && want(`${gr}+${op}`)) add(await candidate(o, m, `${gr}+${op}`, paths[gr], SESSION_OPTIONS[op]), {});
  await interleave(o, m.name, cands);
  const base = cands.find((c) => c.name === 'baseline' && c.ms.length);
  for (const c of cands) {
    if (!c.ms.length) continue;
    const ms = median(c.ms);
    o.emit({ target: 'variants', model: m.name, px: m.px, variant: c.name, ms: r1(ms), vs_baseline: base ? Math.round((ms / median(base.ms)) * 1000) / 1000 : null, runs: c.ms.length, min_ms: r1(Math.min(...c.ms)), ...c.info, ...(o.providerOptions ? { webgpu_options: o.providerOptions } : {}) });
  }
  // Released before the next model and the child processes: idle ORT thread pools spin and GPU memory is shared.
  for (const c of cands) await c.release();
  return paths.baseline;
}

/** The context-option part: child processes on the baseline models, default-option children first and last. */
async function benchContexts(o: VariantBenchOptions, models: { name: string; px: number; path: string }[], dir: string) {
  const names = Object.keys(CONTEXT_OPTIONS).filter((n) => !o.filter || o.filter.includes(n));
  if (o.device !== 'webgpu') {
    for (const n of names) o.emit({ target: 'variants', variant: n, error: `a WebGPU device option; not applicable on ${o.device}` });
  }
  if (o.filter && !names.length && !o.filter.includes('context-default')) return; // none asked for
  const order = o.device === 'webgpu' && names.length ? ['context-default', ...names, 'context-default'] : ['context-default'];
  const results: Record<string, Record<string, number[]>> = {};
  for (const [i, name] of order.entries()) {
    const job = join(dir, `child-${i}.json`);
    await writeFile(job, JSON.stringify({ models: models.map(({ name: n, path }) => ({ name: n, path })), context: CONTEXT_OPTIONS[name] ?? {}, runs: o.runs, warmup: o.warmup }));
    const lines = await runChild(o, job).catch((e: Error) => { o.emit({ target: 'variants', variant: name, error: `child: ${e.message.slice(0, 400)}` }); return []; });
    for (const l of lines) {
      if (l.error) { o.emit({ target: 'variants', model: l.model, variant: name, error: l.error }); continue; }
      ((results[name] ??= {})[l.model as string] ??= []).push(l.ms as number);
    }
    if (lines.some((l) => String(l.error).includes('timed out'))) {
      // One child hanging means the others will too: stop here, and say which were not run.
      const rest = order.slice(i + 1).filter((n) => n !== 'context-default');
      if (rest.length) o.emit({ target: 'variants', variant: rest.join(','), error: 'not run: a child process timed out; run them one per process with --webgpu-options=key:value' });
      break;
    }
  }
  for (const m of models) {
    const base = results['context-default']?.[m.name];
    for (const name of Object.keys(results)) {
      const ms = results[name][m.name];
      if (!ms) continue;
      const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
      o.emit({ target: 'variants', model: m.name, px: m.px, variant: name, ms: r1(mean(ms)), vs_baseline: base ? Math.round((mean(ms) / mean(base)) * 1000) / 1000 : null, process: 'child', note: name === 'context-default' ? `baseline of the child processes (${ms.map(r1).join(', ')} ms)` : undefined });
    }
  }
}

/**
 * Runs one child and collects its JSON lines. The child prints {"done": true} when it has timed everything; it is
 * then killed rather than waited for (a process's WebGPU device teardown can hang), and so it is after `childTimeoutS`.
 */
function runChild(o: VariantBenchOptions, job: string): Promise<Record<string, unknown>[]> {
  const args = [...process.execArgv, process.argv[1], `--device=${o.device}`, `--dtype=${o.ft === 'float16' ? 'fp16' : 'fp32'}`, '--only=variants-child', `--child-job=${job}`];
  if (o.quick) args.push('--quick'); // the feeds' sizes
  const limitS = o.childTimeoutS ?? 90;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Record<string, unknown>[] = [];
    let pending = '';
    let err = '';
    let settled = false;
    const finish = (extra?: Record<string, unknown>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (p.exitCode === null) p.kill('SIGKILL');
      resolve(extra ? [...lines, extra] : lines);
    };
    const timer = setTimeout(() => finish({ error: `child timed out after ${limitS} s (--child-timeout=S); stderr: ${err.trim().split('\n').slice(-2).join(' | ')}` }), limitS * 1000);
    p.stdout.on('data', (d) => {
      pending += d;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const l of parts) {
        if (!l.startsWith('{')) continue;
        const j = JSON.parse(l) as Record<string, unknown>;
        if (j.done) return finish();
        lines.push(j);
      }
    });
    p.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
    p.on('error', (e) => { if (!settled) { settled = true; clearTimeout(timer); reject(e); } });
    p.on('close', (code) => finish(code === 0 ? undefined : { error: `child exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}` }));
  });
}

/** `--only=variants-child --child-job=FILE`: times the baseline models under one WebGPU context configuration. */
export async function variantsChild(o: VariantBenchOptions, jobFile: string) {
  const job = JSON.parse(await readFile(jobFile, 'utf8')) as { models: { name: string; path: string }[]; context: Record<string, string>; runs: number; warmup: number };
  const byName: Record<string, Model> = { 'dit-600m': ditModel(o), 'dc-ae': dcAeModel(o) };
  for (const { name, path } of job.models) {
    const m = byName[name];
    const c = await candidate({ ...o, emit: (l) => console.log(JSON.stringify({ ...l, model: name })) }, m, 'child', path, {}, Object.keys(job.context).length ? job.context : undefined);
    if (!c) continue;
    await interleave({ ...o, runs: job.runs, warmup: job.warmup, emit: (l) => console.log(JSON.stringify(l)) }, name, [c]);
    if (c.ms.length) console.log(JSON.stringify({ model: name, ms: median(c.ms) }));
    await c.release();
  }
  console.log(JSON.stringify({ done: true }));
}

/**
 * `--only=variants`: DiT-600M at 1024 px batch 2 and the DC-AE decoder at 1024 px (256 px and two-block / one-layer
 * stand-ins at 256 / 128 px with --quick), every graph variant and session option against the baseline, one JSON line each.
 * @example await benchVariants({ backend, device: 'webgpu', ft: 'float16', quick: false, runs: 5, warmup: 2, emit });
 */
export async function benchVariants(o: VariantBenchOptions) {
  const dir = await mkdtemp(join(tmpdir(), 'sana-variants-'));
  try {
    const models = [];
    for (const m of [ditModel(o), dcAeModel(o)]) {
      const path = await benchModel(o, m, dir);
      if (path) models.push({ name: m.name, px: m.px, path });
    }
    await benchContexts(o, models, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
