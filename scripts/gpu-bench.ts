// `pnpm bench:gpu` (or the bundled dist on a GPU machine): issue 11's targets on one device, JSON lines.
// Full-size Sana with seeded random weights built where it runs: DiT 600M / 1600M forward, DC-AE decode,
// Gemma-2-2B encode, end to end (e2e: Sana-600M 1024px 20 steps CFG; e2e-1600m: Sana-1600M 4096px; sprint: Sana-Sprint
// 2 steps), and an ORT per-op profile.
// usage: tsx scripts/gpu-bench.ts [--device=webgpu|cpu] [--dtype=fp16|fp32] [--only=a,b] [--quick] [--runs=N] [--profile-dir=DIR] [--sizes=px,...]
//   --device-loop=on|off|auto[,...] (e2e, e2e-1600m, sprint): denoising state on the device (sampler-step graph) or on the
//     host; default auto; several: each in turn in one process
//   --only=variants [--variants=name,...] [--webgpu-options=k:v,...] [--child-timeout=S]: graph variants / session
//     options vs the baseline (gpu-bench-variants.ts)
//   e2e: --px=N --steps=N override the size and steps; --save-dir=DIR writes the final latents (.f32) and the PNG;
//     --save-steps=N then runs N steps untimed and saves them; --no-warmup skips the warm-up generation
import { mkdtemp, readdir, readFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createBackend, randn, sessionFromGraph, sessionFromGraphBuilder, tensor, float32, timeIt, timed,
  type Backend, type Device, type FloatType, type Graph, type Session, type SessionOptions,
} from '@sana/core';
import { RandomWeights, SANA_600M_1024PX, SANA_1600M_4KPX, SANA_SPRINT_600M_1024PX, SanaTransformer, buildTransformerGraph, type SanaTransformerConfig } from '@sana/linear-dit';
import { DC_AE_F32C32_SANA_1_0, DcAeDecoder, buildDecoderGraph, randomDcAeWeights } from '@sana/dc-ae';
import { GEMMA_2_2B, GemmaTextEncoder, Tokenizer, buildGemma2Graph, randomGemma2Weights } from '@sana/text-encoder';
import { SANA_FLOW_DPM_SOLVER, SANA_SPRINT_SCM } from '@sana/flow-dpm-solver';
import { SanaPipelineBase as SanaPipeline, SanaSprintPipelineBase as SanaSprintPipeline, withOutputsOnDevice, type DeviceLoop, type SanaComponents } from '@sana/pipeline';
import { benchVariants, variantsChild } from './gpu-bench-variants.js';
import { saveGeneration } from './image-compare.js';

const arg = (name: string, dflt?: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const device = arg('device', 'webgpu') as Device;
const ft: FloatType = arg('dtype', 'fp16') === 'fp16' ? 'float16' : 'float32';
const only = arg('only')?.split(',');
const quick = process.argv.includes('--quick');
const runs = Number(arg('runs', quick ? '1' : '3'));
const profileDir = arg('profile-dir');
// --device-loop=off,on: the e2e targets once per mode in one process (text encoder and decoder built once)
const deviceLoops = arg('device-loop', 'auto')!.split(',') as DeviceLoop[];
const want = (t: string) => !only || only.includes(t);
// --sizes=512,1024: only these sizes of the DiT forward and DC-AE decode targets (the CPU EP cannot afford 4096 px)
const sizeWanted = (px: number) => !arg('sizes') || arg('sizes')!.split(',').map(Number).includes(px);
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const emit = (o: Record<string, unknown>) => console.log(JSON.stringify({ device, dtype: ft === 'float16' ? 'fp16' : 'fp32', ...o }));

const median = async (fn: () => Promise<unknown>, n = runs, warm = 1) => (await timeIt(fn, n, warm)).median_ms;

const backend: Backend = await createBackend(device);
const open = (g: Graph, label: string, extra?: SessionOptions['extra']) => sessionFromGraph(backend, g, { label, extra });
// Builds and opens a large graph without holding the graph while ONNX Runtime loads it (sessionFromGraphBuilder drops
// it after writing model + data to a temporary file): Gemma-2-2B fp32 plus Sana-1600M otherwise need twice their size.
async function openBuilt(b: Backend, build: () => Promise<Graph>, label: string, extra?: SessionOptions['extra']) {
  let buildMs = 0;
  const [s, ms] = await timed(() => sessionFromGraphBuilder(b, async () => { const [g, t] = await timed(build); buildMs = t; return g; }, { label, extra }));
  return { s, buildMs, sessionMs: Math.round((ms - buildMs) * 10) / 10 };
}

// ---- Graph variants and session options vs the baseline, interleaved (opt-in: --only=variants [--variants=a,b]) ----
if (only?.includes('variants') || only?.includes('variants-child')) {
  // --webgpu-options=validationMode:disabled,storageBufferCacheMode:simple applies to every session of this process
  const providerOptions = arg('webgpu-options') ? Object.fromEntries(arg('webgpu-options')!.split(',').map((kv) => kv.split(':') as [string, string])) : undefined;
  const vo = { backend, device, ft, quick, runs: Number(arg('runs', quick ? '2' : '5')), warmup: quick ? 1 : 2, filter: arg('variants')?.split(','), emit, providerOptions, childTimeoutS: arg('child-timeout') ? Number(arg('child-timeout')) : undefined };
  if (only.includes('variants-child')) {
    await variantsChild(vo, arg('child-job') ?? '');
    process.exit(0);
  }
  await benchVariants(vo);
}

async function ditSession(config: SanaTransformerConfig, label: string, extra?: SessionOptions['extra'], outputsOnDevice = false) {
  // outputsOnDevice: the output stays in GPU memory for the device loop (as loadComponents opens the transformer)
  const { s, buildMs, sessionMs } = await openBuilt(outputsOnDevice ? withOutputsOnDevice(backend) : backend,
    () => buildTransformerGraph(config, new RandomWeights(config, 0), { floatType: ft }), label, extra);
  return { dit: new SanaTransformer(s, config, ft), buildMs, sessionMs };
}

function ditInputs(config: SanaTransformerConfig, px: number, batch = 2, textLen = 300) {
  const hw = px / 32;
  return {
    hiddenStates: float32(randn([batch, config.inChannels, hw, hw], 1), [batch, config.inChannels, hw, hw]),
    timestep: float32(new Float32Array(batch).fill(500), [batch]),
    encoderHiddenStates: float32(randn([batch, textLen, config.captionChannels], 2), [batch, textLen, config.captionChannels]),
    encoderAttentionMask: float32(new Float32Array(batch * textLen).fill(1), [batch, textLen]),
    ...(config.guidanceEmbeds ? { guidance: 0.45 } : {}),
  };
}

// ---- DiT forward ----
for (const [name, config, pxs] of [
  ['dit-600m', SANA_600M_1024PX, quick ? [256] : [512, 1024, 2048]],
  ['dit-1600m', SANA_1600M_4KPX, quick ? [256] : [1024, 4096]],
] as const) {
  if (!want(name)) continue;
  const { dit, buildMs, sessionMs } = await ditSession(config, name);
  for (const px of pxs.filter(sizeWanted)) {
    const inp = ditInputs(config, px);
    const ms = await median(async () => { const o = await dit.forward(inp); await o.read(); });
    const tokens = (px / 32) ** 2;
    // MatMul FLOPs of one forward (2 * params-in-linears * tokens * batch), to compare with the EP's matmul rate.
    emit({ target: name, px, batch: 2, tokens, forward_ms: ms, build_ms: buildMs, session_ms: sessionMs, ms_per_1k_tokens: round(ms / (tokens / 1000), 2) });
  }
  await dit.release();
}

// ---- ORT per-op profile of one DiT forward and one DC-AE decode ----
async function profile(label: string, make: (extra: SessionOptions['extra']) => Promise<{ run: () => Promise<unknown>; s: Session }>) {
  const dir = profileDir ?? await mkdtemp(join(tmpdir(), 'prof-'));
  const prefix = join(dir, label);
  const { run, s } = await make({ enableProfiling: true, profileFilePrefix: prefix });
  await run(); // warm-up (shader compilation) is in the trace too; the summary below takes the last run only
  await run();
  s.endProfiling();
  const file = (await readdir(dir)).filter((f) => f.startsWith(label) && f.endsWith('.json')).sort().pop();
  if (!file) return emit({ target: `profile-${label}`, error: 'no profile written' });
  const events = JSON.parse(await readFile(join(dir, file), 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string; provider?: string } }[];
  const runs2 = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const lastRun = runs2[runs2.length - 1] as unknown as { ts: number; dur: number };
  const byOp = new Map<string, { us: number; n: number }>();
  for (const e of events as unknown as { cat: string; name: string; ts: number; dur: number; args?: { op_name?: string } }[]) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || !lastRun || e.ts < lastRun.ts) continue;
    const op = e.args?.op_name ?? '?';
    const v = byOp.get(op) ?? { us: 0, n: 0 };
    v.us += e.dur; v.n++;
    byOp.set(op, v);
  }
  const total = [...byOp.values()].reduce((a, b) => a + b.us, 0);
  const ops = [...byOp].sort((a, b) => b[1].us - a[1].us).map(([op, v]) => ({ op, ms: round(v.us / 1000, 2), n: v.n, pct: round((100 * v.us) / total, 1) }));
  emit({ target: `profile-${label}`, run_ms: lastRun ? round(lastRun.dur / 1000) : null, kernel_ms: round(total / 1000), ops, file });
  if (profileDir) await rename(join(dir, file), join(profileDir, `${label}.json`)).catch(() => {});
}
if (want('profile')) {
  await profile('dit600m-1024', async (extra) => {
    const { dit } = await ditSession(SANA_600M_1024PX, 'dit-prof', extra);
    const inp = ditInputs(SANA_600M_1024PX, quick ? 256 : 1024);
    return { run: async () => (await dit.forward(inp)).read(), s: dit.session };
  });
  await profile('dcae-1024', async (extra) => {
    const g = await buildDecoderGraph(DC_AE_F32C32_SANA_1_0, randomDcAeWeights(DC_AE_F32C32_SANA_1_0, { parts: ['decoder'] }), { floatType: ft });
    const s = await open(g, 'dcae-prof', extra);
    const dec = DcAeDecoder.fromSession(DC_AE_F32C32_SANA_1_0, s);
    const hw = quick ? 8 : 32;
    const z = float32(randn([1, 32, hw, hw], 3), [1, 32, hw, hw]);
    return { run: async () => (await dec.decode(z)).read(), s };
  });
}

// ---- DC-AE decode ----
let vae: DcAeDecoder | undefined;
async function getVae() {
  if (!vae) {
    const [g, buildMs] = await timed(async () => buildDecoderGraph(DC_AE_F32C32_SANA_1_0, randomDcAeWeights(DC_AE_F32C32_SANA_1_0, { parts: ['decoder'] }), { floatType: ft }));
    const [s, sessionMs] = await timed(() => open(g, 'vae'));
    vae = DcAeDecoder.fromSession(DC_AE_F32C32_SANA_1_0, s);
    emit({ target: 'dc-ae-build', build_ms: buildMs, session_ms: sessionMs });
  }
  return vae;
}
if (want('dc-ae')) {
  const dec = await getVae();
  for (const [px, tiled] of ((quick ? [[256, false]] : [[512, false], [1024, false], [2048, true], [4096, true]]) as [number, boolean][]).filter(([px]) => sizeWanted(px))) {
    const hw = px / 32;
    const z = float32(randn([1, 32, hw, hw], 3), [1, 32, hw, hw]);
    const ms = await median(async () => (tiled ? dec.decodeTiled(z) : dec.decode(z)).then((t) => t.read()), tiled ? 1 : runs);
    emit({ target: 'dc-ae', px, tiled, decode_ms: ms });
  }
}

// ---- Gemma-2-2B encode ----
let te: GemmaTextEncoder | undefined;
const tokenizerPath = arg('tokenizer', 'fixtures/reference/sana/tokenizer') as string;
async function getTe() {
  if (!te) {
    const tok = Tokenizer.fromJson(JSON.parse(await readFile(join(tokenizerPath, 'tokenizer.json'), 'utf8')), JSON.parse(await readFile(join(tokenizerPath, 'tokenizer_config.json'), 'utf8')));
    const { s, buildMs, sessionMs } = await openBuilt(backend, async () => buildGemma2Graph(GEMMA_2_2B, randomGemma2Weights(GEMMA_2_2B, 0), { floatType: ft }), 'text_encoder');
    te = new GemmaTextEncoder(s, GEMMA_2_2B, tok);
    emit({ target: 'text-encoder-build', build_ms: buildMs, session_ms: sessionMs });
  }
  return te;
}
if (want('text-encoder')) {
  const enc = await getTe();
  const L = quick ? 64 : 300 + 120; // CHI (about 120 Gemma tokens) + max_sequence_length 300
  const ids = tensor('int64', BigInt64Array.from({ length: 2 * L }, (_, i) => BigInt(2 + (i * 7919) % 250000)), [2, L]);
  const mask = tensor('int64', new BigInt64Array(2 * L).fill(1n), [2, L]);
  const ms = await median(async () => (await enc.encode(ids, mask)).read());
  emit({ target: 'text-encoder', batch: 2, tokens: L, encode_ms: ms });
}

// ---- End to end ----
if (want('e2e') || want('e2e-1600m') || want('sprint')) {
  const textEncoder = await getTe();
  // --text-first (e2e targets): the prompt encoded up front and the text encoder released before the DiT is built, so
  // the CPU fp32 side of the 4096 px PSNR check fits in 23 GiB (Gemma-2-2B fp32 10 GiB + Sana-1600M fp32 6.4 GiB + activations)
  const textFirst = process.argv.includes('--text-first');
  if (textFirst && want('sprint')) throw new Error('--text-first releases the text encoder, which Sana-Sprint needs: leave sprint out of --only');
  const e2ePrompt = 'a cyberpunk cat with a neon sign';
  const promptEmbeds = textFirst ? await textEncoder.encodePrompt({ prompts: [e2ePrompt], negativePrompt: '', doCfg: true }) : undefined;
  if (textFirst) await textEncoder.release();
  const dec = await getVae();
  for (const deviceLoop of deviceLoops) {
    // Sana-600M 1024px (issue 11's main row) and Sana-1600M 4096px (tiled decode above 2048px); --px / --steps override.
    for (const [name, config, dfltPx] of [['e2e', SANA_600M_1024PX, 1024], ['e2e-1600m', SANA_1600M_4KPX, 4096]] as const) {
      if (!want(name)) continue;
      const label = name === 'e2e' ? 'sana-600m' : 'sana-1600m';
      const { dit } = await ditSession(config, `${name}-dit`, undefined, deviceLoop !== 'off');
      const parts: SanaComponents = { kind: 'SanaPipeline', textEncoder, transformer: dit, vae: dec, vaeConfig: DC_AE_F32C32_SANA_1_0, scheduler: SANA_FLOW_DPM_SOLVER, backend };
      const pipe = new SanaPipeline(parts);
      const px = Number(arg('px', quick ? '256' : String(dfltPx))); // --px / --steps: e.g. a cheap 512 px PSNR check
      const args = { prompt: e2ePrompt, promptEmbeds, width: px, height: px, steps: Number(arg('steps', quick ? '2' : '20')), guidanceScale: 4.5, seed: 0, deviceLoop };
      const save = async (r: Awaited<ReturnType<SanaPipeline['generate']>>, steps: number) => {
        // final latents (.f32) and image (.png) of a seeded run, for compare-images.ts against another device
        if (arg('save-dir')) emit({ target: 'e2e-saved', files: await saveGeneration(arg('save-dir')!, `e2e-${label}-${px}px-${steps}steps-${device}-${ft === 'float16' ? 'fp16' : 'fp32'}${deviceLoops.length > 1 ? `-loop-${deviceLoop}` : ''}`, r) });
      };
      // --save-steps=N: an untimed N-step run, saved, is the warm-up (the PSNR check at a size where the CPU fp32 side
      // cannot afford 20 steps; the timed run is then not saved: the GPU machine sends back 8 files at most);
      // --no-warmup: the CPU EP gains nothing from a warm-up and a 4096 px one costs minutes there
      const saveSteps = Number(arg('save-steps', '0'));
      if (saveSteps) await save(await pipe.generate({ ...args, steps: saveSteps }), saveSteps);
      else if (!process.argv.includes('--no-warmup')) await pipe.generate({ ...args, steps: 1 });
      const [r, ms] = await timed(() => pipe.generate(args));
      emit({ target: `e2e-${label}`, px, steps: args.steps, cfg: 4.5, device_loop: deviceLoop, denoise_loop: r.denoiseLoop, total_ms: ms, stage_s: r.timings });
      if (!saveSteps) await save(r, args.steps);
      await dit.release();
    }
    if (want('sprint')) {
      const { dit } = await ditSession(SANA_SPRINT_600M_1024PX, 'sprint-dit', undefined, deviceLoop !== 'off');
      const parts: SanaComponents = { kind: 'SanaSprintPipeline', textEncoder, transformer: dit, vae: dec, vaeConfig: DC_AE_F32C32_SANA_1_0, scheduler: SANA_SPRINT_SCM, backend };
      const pipe = new SanaSprintPipeline(parts);
      const px = quick ? 256 : 1024;
      const args = { prompt: 'a lighthouse at dawn', width: px, height: px, steps: 2, seed: 0, deviceLoop };
      await pipe.generate(args);
      const [r, ms] = await timed(() => pipe.generate(args));
      emit({ target: 'e2e-sprint-600m', px, steps: 2, device_loop: deviceLoop, denoise_loop: r.denoiseLoop, total_ms: ms, stage_s: r.timings });
      await dit.release();
    }
  }
}
