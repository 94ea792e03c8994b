// Node-only benchmark targets `dc-ae` and `dc-ae-4k`: full-size f32c32 decoder (random weights) on the CPU.
// Peak memory is the process's VmHWM, reset before each measurement through /proc/self/clear_refs (Linux).
import { createBackend, float32, peakRssMiB, randn, resetPeakRss, rssMiB, timed, type Device } from '@sana/core';
import { DC_AE_F32C32_SANA_1_0 } from './config.js';
import { DcAeDecoder } from './dc-ae.js';
import { randomDcAeWeights } from './weights.js';

interface Ctx { readonly device: Device; readonly threads?: number; readonly quick: boolean }

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** One timed call with its peak RSS (MiB) and the RSS it started from. */
async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number; peak_mib: number; base_mib: number }> {
  resetPeakRss();
  const base = rssMiB();
  const [result, ms] = await timed(fn);
  return { result, ms, peak_mib: peakRssMiB(), base_mib: base };
}

function latent(side: number, seed: number) {
  const h = side / 32;
  return float32(randn([1, 32, h, h], seed), [1, 32, h, h]);
}

async function decoder(ctx: Ctx) {
  const t0 = performance.now();
  const weights = randomDcAeWeights(DC_AE_F32C32_SANA_1_0, { parts: ['decoder'] });
  const dec = await DcAeDecoder.create(await createBackend(ctx.device), DC_AE_F32C32_SANA_1_0, weights, { threads: ctx.threads });
  return { dec, build_s: round((performance.now() - t0) / 1000) };
}

function compare(a: Float32Array, b: Float32Array) {
  let maxAbs = 0;
  let maxRef = 0;
  let sumSq = 0;
  let refSq = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    maxAbs = Math.max(maxAbs, d);
    maxRef = Math.max(maxRef, Math.abs(b[i]));
    sumSq += d * d;
    refSq += b[i] * b[i];
  }
  const p = (x: number) => Number(x.toPrecision(3));
  return { max_abs: p(maxAbs), max_ref: p(maxRef), relmax: p(maxAbs / maxRef), rms_diff: p(Math.sqrt(sumSq / a.length)), rms_ref: p(Math.sqrt(refSq / a.length)) };
}

export const dcAeBench = {
  name: 'dc-ae',
  description: 'DC-AE f32c32 decoder (random weights, fp32): 512 px, tiled 2048 px (512/448 tiles), 1024 px, tiled vs untiled at 1024',
  default: true,
  async run(ctx: Ctx): Promise<Record<string, unknown>> {
    const { dec, build_s } = await decoder(ctx);
    const out: Record<string, unknown> = { model: 'dc-ae-f32c32-sana-1.0 decoder', params_m: 159.2, build_s, rss_after_build_mib: rssMiB() };
    const tiling = ctx.quick ? { tileSize: 256, stride: 224 } : { tileSize: 512, stride: 448 };
    // ORT keeps its arena at the largest size seen, so sizes go smallest working set first: each peak is then
    // what that size needs (a first run included), not a leftover of a larger one.
    const small = ctx.quick ? 256 : 512;
    const z = latent(small, small);
    const first = await measure(() => dec.decode(z));
    const again = await measure(() => dec.decode(z));
    out[`decode_${small}`] = { ms: again.ms, first_run_ms: first.ms, peak_rss_mib: first.peak_mib, rss_before_mib: first.base_mib };
    const bigSide = ctx.quick ? 768 : 2048;
    const big = await measure(() => dec.decodeTiled(latent(bigSide, 11), tiling));
    out[`tiled_${bigSide}`] = { ...tiling, ms: big.ms, peak_rss_mib: big.peak_mib, rss_before_mib: big.base_mib };
    const mid = ctx.quick ? 512 : 1024;
    const zm = latent(mid, mid);
    const firstMid = await measure(() => dec.decode(zm));
    const full = await measure(() => dec.decode(zm));
    out[`decode_${mid}`] = { ms: full.ms, first_run_ms: firstMid.ms, peak_rss_mib: firstMid.peak_mib, rss_before_mib: firstMid.base_mib };
    // Tiled against untiled where both fit: the same latent, larger than one tile.
    const tiled = await measure(() => dec.decodeTiled(zm, tiling));
    out[`tiled_vs_untiled_${mid}`] = { ...tiling, ms: tiled.ms, vs_untiled: compare(tiled.result.data, full.result.data) };
    await dec.release();
    return out;
  },
};

export const dcAe4kBench = {
  name: 'dc-ae-4k',
  description: 'DC-AE f32c32 decoder, 4096 x 4096 tiled (512/448 tiles): time and peak RSS (about 30 min on 2 cores)',
  default: false,
  async run(ctx: Ctx): Promise<Record<string, unknown>> {
    const { dec, build_s } = await decoder(ctx);
    const side = ctx.quick ? 1024 : 4096;
    const m = await measure(() => dec.decodeTiled(latent(side, 13)));
    await dec.release();
    return { model: 'dc-ae-f32c32-sana-1.0 decoder', build_s, [`tiled_${side}`]: { tileSize: 512, stride: 448, ms: m.ms, peak_rss_mib: m.peak_mib, rss_before_mib: m.base_mib } };
  },
};
