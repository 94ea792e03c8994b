// Benchmark target `text-encoder`: Gemma-2-2B (random weights) encoding 2 CHI-prefixed prompts, as the pipeline does.
import { freemem, totalmem } from 'node:os';
import { createBackend, int64, peakRssMiB, sessionFromGraphBuilder, timeIt, type Device } from '@sana/core';
import { GEMMA_2_2B, gemma2ParamCount, type Gemma2Config } from './gemma2-config.js';
import { randomGemma2Weights } from './gemma2-weights.js';
import { buildGemma2Graph } from './gemma2-graph.js';
import { promptLayout, DEFAULT_MAX_SEQUENCE_LENGTH } from './chi.js';

/** The official CHI is 364 Gemma tokens with <bos> (reference.json `tokenizer.chi_num_tokens`, same tokenizer family). */
const CHI_TOKENS = 364;

/** A 2-layer config of the same shape family, for `--quick` runs that only check the target works. */
const QUICK: Gemma2Config = { ...GEMMA_2_2B, vocabSize: 4096, hiddenSize: 256, intermediateSize: 1024, numHiddenLayers: 2, headDim: 32, layerTypes: ['sliding_attention', 'full_attention'] };

const mib = (b: number) => Math.round(b / 2 ** 20);

/**
 * The bench target (registered in scripts/bench-targets.ts). Float type from SANA_TE_BENCH_FLOAT ('float32' default,
 * or 'float16'): the fp32 2B graph holds ~10.5 GB of weights.
 */
export const textEncoderBench = {
  name: 'text-encoder',
  description: 'Gemma-2-2B (random weights), encode 2 x (CHI + 300 - 2) = 2 x 662 tokens; CPU fp32 by default (SANA_TE_BENCH_FLOAT=float16)',
  default: false,
  async run(ctx: { device: Device; threads?: number; quick: boolean }): Promise<Record<string, unknown>> {
    const config = ctx.quick ? QUICK : GEMMA_2_2B;
    const floatType = process.env.SANA_TE_BENCH_FLOAT === 'float16' ? 'float16' : 'float32';
    const { totalLength } = promptLayout(CHI_TOKENS, DEFAULT_MAX_SEQUENCE_LENGTH);
    const batch = 2;
    const backend = await createBackend(ctx.device);
    const t0 = performance.now();
    const session = await sessionFromGraphBuilder(
      backend,
      () => buildGemma2Graph(config, randomGemma2Weights(config, 0), { floatType, name: 'text_encoder' }),
      { threads: ctx.threads, label: 'text_encoder' },
    );
    const buildS = (performance.now() - t0) / 1000;
    const rssAfterLoad = peakRssMiB();
    // Realistic ids (any in-vocabulary ids cost the same); row 2 padded like a short prompt.
    const ids = Array.from({ length: batch * totalLength }, (_, i) => 2 + ((i * 7919) % (config.vocabSize - 2)));
    const mask = Array.from({ length: batch * totalLength }, (_, i) => (i >= totalLength && i % totalLength > 380 ? 0 : 1));
    const feeds = { input_ids: int64(ids, [batch, totalLength]), attention_mask: int64(mask, [batch, totalLength]) };
    const timing = await timeIt(() => session.run(feeds), 2, 1);
    await session.release();
    return {
      config: ctx.quick ? 'quick (2 layers, 256 wide)' : 'gemma-2-2b',
      params: gemma2ParamCount(config),
      float: floatType,
      batch,
      tokens: totalLength,
      threads: ctx.threads ?? 'ort default',
      build_and_load_s: Math.round(buildS * 10) / 10,
      encode_median_ms: timing.median_ms,
      encode_min_ms: timing.min_ms,
      runs: timing.runs,
      peak_rss_mib_after_load: rssAfterLoad,
      peak_rss_mib: peakRssMiB(),
      total_mem_mib: mib(totalmem()),
      free_mem_mib_at_end: mib(freemem()),
    };
  },
};
