// The sampler-step graph: what each denoising step does after the transformer, as a small ONNX graph that runs where
// the latents live (Sana paper, Flow-DPM-Solver; Sana-Sprint's SCM): CFG, learned-sigma slice, the solver update.
//
// With a step written as coefficients (@sana/flow-dpm-solver `LinearStep`), one graph serves every step of every
// sampler; the scalars arrive as the small `coeffs` input (layout `COEFF`). Abbreviations: B = images, C = latent
// channels, Co = transformer output channels, rows = transformer batch (2B with CFG), ft = transformer float type.
import { Graph, ops, type FloatType, type Value } from '@sana/core';
import type { LinearStep } from '@sana/flow-dpm-solver';

/** Index of each scalar in the `coeffs` input. */
export const COEFF = {
  guidance: 0, denoisedX: 1, denoisedV: 2, nextX: 3, nextV: 4, nextD: 5, hist1: 6, hist2: 7, noise: 8, inputScale: 9,
} as const;
export const NUM_COEFFS = 10;

export interface StepGraphShape {
  /** Images B (the latents' batch). */
  readonly batch: number;
  /** Latent channels C (the transformer's in_channels). */
  readonly channels: number;
  /** Transformer output channels: C, or 2C when it also predicts a variance (only the first C are used). */
  readonly outChannels: number;
  readonly height: number;
  readonly width: number;
  /** Classifier-free guidance: the transformer ran on [uncond; cond], 2B rows. */
  readonly cfg: boolean;
  /** The transformer's float type (of its output, and of the next input this graph makes). */
  readonly floatType: FloatType;
}

/** Graph input and output names. */
export const STEP_IO = {
  sample: 'sample', modelOutput: 'model_output', hist1: 'hist1', hist2: 'hist2', noise: 'noise', coeffs: 'coeffs',
  nextSample: 'next_sample', denoised: 'denoised', modelInput: 'model_input',
} as const;

/**
 * Builds the step graph for one latent shape.
 * Inputs: `sample`, `hist1`, `hist2`, `noise` float32 [B, C, h, w]; `model_output` ft [rows, Co, h, w]; `coeffs` float32 [10].
 * Outputs: `next_sample`, `denoised` float32 [B, C, h, w]; `model_input` ft [rows, C, h, w] (the next step's transformer input).
 * @example const g = buildStepGraph({ batch: 1, channels: 32, outChannels: 32, height: 32, width: 32, cfg: true, floatType: 'float32' });
 */
export function buildStepGraph(s: StepGraphShape): Graph {
  const g = new Graph('denoise_step', { floatType: 'float32' });
  const { batch: B, channels: C, height: h, width: w } = s;
  const rows = s.cfg ? 2 * B : B;
  const io = STEP_IO;
  const x = g.input(io.sample, 'float32', [B, C, h, w]);
  const out = g.input(io.modelOutput, s.floatType, [rows, s.outChannels, h, w]);
  const hist1 = g.input(io.hist1, 'float32', [B, C, h, w]);
  const hist2 = g.input(io.hist2, 'float32', [B, C, h, w]);
  const noise = g.input(io.noise, 'float32', [B, C, h, w]);
  const coeffs = g.input(io.coeffs, 'float32', [NUM_COEFFS]);
  const k = (i: number): Value => ops.gather(g, coeffs, g.int64([i], []), 0); // a scalar []

  let v = s.floatType === 'float32' ? out : ops.cast(g, out, 'float32');
  if (s.outChannels !== C) v = ops.slice(g, v, [0], [C], [1]); // [rows, C, h, w]: learned sigma dropped
  if (s.cfg) {
    const u = ops.slice(g, v, [0], [B], [0]); // [B, C, h, w] uncond
    const c = ops.slice(g, v, [B], [2 * B], [0]); // [B, C, h, w] cond
    v = ops.add(g, u, ops.mul(g, k(COEFF.guidance), ops.sub(g, c, u))); // uncond + g (cond - uncond)
  }
  const d = ops.add(g, ops.mul(g, k(COEFF.denoisedX), x), ops.mul(g, k(COEFF.denoisedV), v));
  let next = ops.add(g, ops.mul(g, k(COEFF.nextX), x), ops.mul(g, k(COEFF.nextV), v));
  next = ops.add(g, next, ops.mul(g, k(COEFF.nextD), d));
  next = ops.add(g, next, ops.mul(g, k(COEFF.hist1), hist1));
  next = ops.add(g, next, ops.mul(g, k(COEFF.hist2), hist2));
  next = ops.add(g, next, ops.mul(g, k(COEFF.noise), noise));
  let input = ops.mul(g, k(COEFF.inputScale), next);
  if (s.floatType !== 'float32') input = ops.cast(g, input, s.floatType);
  if (s.cfg) input = ops.concat(g, [input, input], 0); // [2B, C, h, w]: the same latents for uncond and cond
  g.output(next, io.nextSample, 'float32', [B, C, h, w]);
  g.output(d, io.denoised, 'float32', [B, C, h, w]);
  g.output(input, io.modelInput, s.floatType, [rows, C, h, w]);
  return g;
}

/**
 * The `coeffs` values of one step. `inputScale` maps the new sample to the next transformer input
 * (1 for Sana; `sprintInputScale(t_next, sigma_data)` for Sana-Sprint).
 * @example const c = stepCoefficients(samplerLinearSteps(config, 20)[0], 4.5, 1);
 */
export function stepCoefficients(c: LinearStep, guidance: number, inputScale: number): Float32Array {
  const v = new Float32Array(NUM_COEFFS);
  v[COEFF.guidance] = guidance;
  v[COEFF.denoisedX] = c.denoised.x;
  v[COEFF.denoisedV] = c.denoised.v;
  v[COEFF.nextX] = c.next.x;
  v[COEFF.nextV] = c.next.v;
  v[COEFF.nextD] = c.next.d;
  v[COEFF.hist1] = c.next.h1;
  v[COEFF.hist2] = c.next.h2;
  v[COEFF.noise] = c.next.noise;
  v[COEFF.inputScale] = inputScale;
  return v;
}
