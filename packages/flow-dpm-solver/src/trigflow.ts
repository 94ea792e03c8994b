// TrigFlow <-> flow conversions around the Sana-Sprint transformer (Sana-Sprint, arXiv 2503.09641, sec. on TrigFlow/sCM).
//
// The Sprint transformer is a flow-matching model: it sees x_flow(r) = (1 - r) x_0 + r z at flow time r
// and predicts the velocity v = z - x_0. The SCM sampler works in TrigFlow time t with
// x_t = cos(t) x_0 + sin(t) z, z ~ N(0, sigma_data^2). Since cos(t) x_0 + sin(t) z = (cos t + sin t) x_flow(r)
// with r = sin t / (cos t + sin t), the pipeline (diffusers `SanaSprintPipeline.__call__`) does, per step:
//   1. input  = (x_t / sigma_data) * sqrt(r^2 + (1 - r)^2)        [ = x_t / sigma_data / (cos t + sin t) ]
//   2. v      = transformer(input, timestep = r, guidance = g * guidance_embeds_scale)
//   3. F      = ((1 - 2r) input + (1 - 2r + 2r^2) v) / sqrt(r^2 + (1 - r)^2) * sigma_data
//   4. x_next = SCM step with F (see scm.ts)
// and starts from x = randn * sigma_data, decoding `denoised / sigma_data` of the last step.
// Each helper below is one of those lines in float32, in the reference's order of operations.
import { ArgumentError } from '@sana/core';
import { f32 } from './numeric.js';

/**
 * The flow time r = sin t / (cos t + sin t) the Sprint transformer is conditioned on (float32).
 * @example trigflowToFlowTime(Math.PI / 4) // 0.5
 */
export function trigflowToFlowTime(t: number): number {
  const tt = f32(t);
  const s = f32(Math.sin(tt));
  return f32(s / f32(f32(Math.cos(tt)) + s));
}

/**
 * The inverse map, r -> t = atan2(r, 1 - r) (float64; for custom schedules and tests).
 * @example flowTimeToTrigflow(0.5) // Math.PI / 4
 */
export function flowTimeToTrigflow(r: number): number {
  return Math.atan2(r, 1 - r);
}

/** sqrt(r^2 + (1 - r)^2) in float32: the TrigFlow -> flow sample scale 1 / (cos t + sin t). */
function flowScale(r: number): number {
  const q = f32(1 - r);
  return f32(Math.sqrt(f32(f32(r * r) + f32(q * q))));
}

function checkSigmaData(sigmaData: number): void {
  if (!Number.isFinite(sigmaData) || sigmaData <= 0) throw new ArgumentError('sigmaData', `must be a finite number > 0, got ${sigmaData}`);
}

/**
 * The first SCM sample from standard normal noise: `noise * sigma_data`.
 * @example const x = scmInitialLatents(randn([1, 32, 32, 32], seed), SANA_SPRINT_SCM.sigmaData);
 */
export function scmInitialLatents(noise: Float32Array, sigmaData: number): Float32Array {
  checkSigmaData(sigmaData);
  const sd = f32(sigmaData);
  return noise.map((v) => f32(v * sd));
}

export interface ScmModelInput {
  /** The transformer's latent input (flow parameterisation, unit data scale). */
  readonly input: Float32Array;
  /** The transformer's timestep: the flow time r in [0, 1] (not multiplied by 1000). */
  readonly timestep: number;
}

/**
 * Step 1 of the Sprint loop: the transformer input and timestep for TrigFlow sample `latents` at time `t`.
 * @example const { input, timestep } = scmModelInput(x, state.timesteps[state.stepIndex], 0.5);
 */
export function scmModelInput(latents: Float32Array, t: number, sigmaData: number): ScmModelInput {
  checkSigmaData(sigmaData);
  const r = trigflowToFlowTime(t);
  const scale = flowScale(r);
  const sd = f32(sigmaData);
  const input = new Float32Array(latents.length);
  for (let k = 0; k < input.length; k++) input[k] = f32(f32(latents[k] / sd) * scale);
  return { input, timestep: r };
}

/**
 * Step 3 of the Sprint loop: the transformer's velocity `flowOutput` -> the TrigFlow output F for `scmStep`.
 * `input` and `timestep` are what `scmModelInput` returned for this step.
 * @example const F = scmModelOutput(v, input, timestep, 0.5);
 */
export function scmModelOutput(flowOutput: Float32Array, input: Float32Array, timestep: number, sigmaData: number): Float32Array {
  checkSigmaData(sigmaData);
  if (flowOutput.length !== input.length) {
    throw new ArgumentError('flowOutput', `has ${flowOutput.length} elements but the model input has ${input.length}`);
  }
  const r = f32(timestep);
  const twoR = f32(2 * r);
  const a = f32(1 - twoR); // 1 - 2r
  const b = f32(a + f32(2 * f32(r * r))); // 1 - 2r + 2r^2
  const scale = flowScale(r);
  const sd = f32(sigmaData);
  const out = new Float32Array(input.length);
  for (let k = 0; k < out.length; k++) {
    out[k] = f32(f32(f32(f32(a * input[k]) + f32(b * flowOutput[k])) / scale) * sd);
  }
  return out;
}

/**
 * The latents to decode after the last SCM step: `denoised / sigma_data` (then the VAE's own `/ scaling_factor`).
 * @example const latents = scmFinalLatents(result.denoised, 0.5);
 */
export function scmFinalLatents(denoised: Float32Array, sigmaData: number): Float32Array {
  checkSigmaData(sigmaData);
  const sd = f32(sigmaData);
  return denoised.map((v) => f32(v / sd));
}
