// Whole-pipeline quality of dtype 'int8': the fixture generation (SanaPipeline, CFG, 6 steps) in INT8 against fp32.
import { float32, type Fixture } from '@sana/core';
import { SanaPipeline, loadPretrained, type DTypeOption } from '@sana/pipeline';
import { psnr } from './quality.js';

/** The fixture pipeline's image [B, 3, H, W] in [0, 1] with `dtype`, from the fixture's own initial noise. */
export async function fixtureImage(fx: Fixture, dtype: DTypeOption): Promise<Float32Array> {
  const p = fx.json.pipeline;
  const parts = await loadPretrained(fx.path('sana'), { device: 'cpu', dtype });
  try {
    const result = await new SanaPipeline(parts).generate({
      prompt: fx.json.prompts, width: p.width, height: p.height,
      latents: float32(await fx.tensors.getFloat32('pipe.latents0'), fx.json.tensors['pipe.latents0']),
      complexHumanInstruction: fx.json.complex_human_instruction, maxSequenceLength: fx.json.max_sequence_length,
      useResolutionBinning: false, seed: fx.json.seed,
      steps: p.steps, guidanceScale: p.guidance_scale, negativePrompt: p.negative_prompt,
    });
    return result.pixels;
  } finally {
    await Promise.all([parts.textEncoder.release(), parts.transformer.release(), parts.vae.release()]);
  }
}

export interface PipelinePsnr {
  readonly dtype: string;
  /** PSNR (dB) of this dtype's image against our fp32 image. */
  readonly psnrVsFp32: number;
  /** PSNR (dB) against the reference `pipe.image` (diffusers, fp32). */
  readonly psnrVsReference: number;
}

/**
 * PSNR of the INT8 fixture image (every component int8, and the transformer alone int8) against fp32.
 * @example const rows = await pipelinePsnr(await openFixture('fixtures/reference'));
 */
export async function pipelinePsnr(fx: Fixture): Promise<PipelinePsnr[]> {
  const ref = await fx.tensors.getFloat32('pipe.image');
  const fp32 = await fixtureImage(fx, 'fp32');
  const rows: PipelinePsnr[] = [{ dtype: 'fp32', psnrVsFp32: Infinity, psnrVsReference: psnr(fp32, ref) }];
  for (const [name, dtype] of [['int8 (all components)', 'int8'], ['int8 transformer only', { transformer: 'int8' }]] as const) {
    const img = await fixtureImage(fx, dtype);
    rows.push({ dtype: name, psnrVsFp32: psnr(img, fp32), psnrVsReference: psnr(img, ref) });
  }
  return rows;
}
