// Benchmark targets `dit` (Sana-600M at 512/1024/2048px) and `dit-1600m`: build time, graph size, forward time, peak memory.
// Run heavy ones serialized with other work: `flock /tmp/sana-heavy.lock pnpm bench --only dit`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  collectGarbage, createBackend, peakRssMiB, randn, resetPeakRss, serializeModel, tensor, timeIt, timed, writeOnnxModel,
  type Device, type FloatType, type Graph,
} from '@sana/core';
import { SANA_1600M_1024PX, SANA_600M_1024PX, innerDim, type SanaTransformerConfig } from './config.js';
import { buildTransformerGraph } from './sana-transformer.js';
import { SanaTransformer } from './transformer-session.js';
import { RandomWeights, countParameters } from './weights.js';

/** What scripts/bench.ts passes (structurally the harness's BenchContext). */
interface Ctx { readonly device: Device; readonly threads?: number; readonly quick: boolean }

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const TEXT_LEN = 300;
const BATCH = 2;

interface SizeResult { px: number; latent: string; tokens: number; median_ms: number; min_ms: number; runs: number; ms_per_token: number; peak_rss_mib: number }

/**
 * Builds `config` with seeded random weights, writes it as model.onnx + external data (over the 2 GB protobuf
 * limit), opens it from the path on the CPU, and times batch-2 forwards at each resolution (1 warm-up + `runs`).
 */
export async function benchTransformer(config: SanaTransformerConfig, pxs: readonly number[], ctx: Ctx, runs = 2, floatType: FloatType = 'float32') {
  const params = countParameters(config);
  resetPeakRss(); // each phase's peak measured alone
  let graph: Graph | undefined;
  const [, buildMs] = await timed(async () => { graph = await buildTransformerGraph(config, new RandomWeights(config, 0), { floatType }); });
  const nodes = graph!.nodes.length;
  const dir = await mkdtemp(join(tmpdir(), 'sana-dit-bench-'));
  try {
    const [graphBytes, serializeMs] = await timed(async () => {
      const ser = serializeModel(graph!, { externalDataName: 'model.onnx.data' });
      await writeOnnxModel(join(dir, 'model.onnx'), ser);
      return ser.model.byteLength + ser.externalDataBytes;
    });
    const buildPeak = peakRssMiB();
    graph = undefined; // drop the JS copy of the weights before ORT reads its own from the file
    collectGarbage();
    const backend = await createBackend(ctx.device);
    const [session, sessionMs] = await timed(() => backend.createSession(join(dir, 'model.onnx'), { label: 'transformer', threads: ctx.threads }));
    const dit = new SanaTransformer(session, config, floatType);
    const sizes: SizeResult[] = [];
    for (const px of pxs) {
      const hw = px / 32; // DC-AE f32: 32x down-sampling
      const tokens = (hw / config.patchSize) ** 2;
      const inputs = {
        hiddenStates: tensor('float32', randn([BATCH, config.inChannels, hw, hw], 1), [BATCH, config.inChannels, hw, hw]),
        timestep: tensor('float32', Float32Array.from([999, 500]), [BATCH]),
        encoderHiddenStates: tensor('float32', randn([BATCH, TEXT_LEN, config.captionChannels], 2), [BATCH, TEXT_LEN, config.captionChannels]),
        encoderAttentionMask: tensor('float32', new Float32Array(BATCH * TEXT_LEN).fill(1), [BATCH, TEXT_LEN]),
        guidance: config.guidanceEmbeds ? 0.45 : undefined,
      };
      resetPeakRss();
      const t = await timeIt(() => dit.forward(inputs), runs, 1);
      sizes.push({ px, latent: `${hw}x${hw}`, tokens, ...t, ms_per_token: round(t.median_ms / (BATCH * tokens), 3), peak_rss_mib: peakRssMiB() });
    }
    await dit.release();
    // Linear attention: time per token should stay flat as tokens grow 4x per step (an N^2 model would grow 4x per step).
    const linearity: Record<string, number> = {};
    for (let i = 1; i < sizes.length; i++) {
      const a = sizes[i - 1];
      const b = sizes[i];
      linearity[`time_ratio_${b.px}_vs_${a.px}`] = round(b.median_ms / a.median_ms, 2);
      linearity[`token_ratio_${b.px}_vs_${a.px}`] = b.tokens / a.tokens;
      linearity[`per_token_ratio_${b.px}_vs_${a.px}`] = round(b.ms_per_token / a.ms_per_token, 2);
    }
    return {
      params, inner_dim: innerDim(config), layers: config.numLayers, float_type: floatType, batch: BATCH, text_len: TEXT_LEN,
      threads: ctx.threads ?? 'ort-default', build_ms: buildMs, serialize_write_ms: serializeMs, session_ms: sessionMs,
      graph_nodes: nodes, graph_mib: round(graphBytes / 2 ** 20), build_peak_rss_mib: buildPeak, sizes, linearity,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const ditBench = {
  name: 'dit',
  description: 'Sana-600M transformer, random weights, fp32 CPU: build, graph size, batch-2 forward at 512/1024/2048px (heavy: run under flock)',
  default: false,
  run: (ctx: Ctx) => benchTransformer(SANA_600M_1024PX, ctx.quick ? [512] : [512, 1024, 2048], ctx).then((r) => ({ model: 'Sana_600M_1024px', ...r })),
};

export const dit1600mBench = {
  name: 'dit-1600m',
  description: 'Sana-1600M transformer, random weights, fp32 CPU (6.4 GB external data): build, batch-2 forward at 512/1024px (heavy)',
  default: false,
  run: (ctx: Ctx) => benchTransformer(SANA_1600M_1024PX, ctx.quick ? [512] : [512, 1024], ctx).then((r) => ({ model: 'Sana_1600M_1024px', ...r })),
};
