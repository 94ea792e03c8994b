// Flow sigmas and timesteps with the resolution-dependent shift (Sana paper, Flow-DPM-Solver schedule).
//
// Rectified flow: x_sigma = (1 - sigma) * x_0 + sigma * noise. Sana samples on a linear grid of
// sigma, warped by `shift` toward the noisy end: sigma' = shift * sigma / (1 + (shift - 1) * sigma).
// This file reproduces `DPMSolverMultistepScheduler.set_timesteps` with `use_flow_sigmas=True`.
import { ArgumentError } from '@sana/core';
import { linspaceF64 } from './numeric.js';

/** Throws `ArgumentError` unless `steps` is a positive integer. */
export function checkSteps(steps: number, option = 'steps'): void {
  if (!Number.isInteger(steps) || steps <= 0) {
    throw new ArgumentError(option, `must be a positive integer number of sampling steps, got ${steps}`);
  }
}

/** Throws `ArgumentError` unless `shift` is a finite number > 0. */
export function checkShift(shift: number, option = 'shift'): void {
  if (typeof shift !== 'number' || !Number.isFinite(shift) || shift <= 0) {
    throw new ArgumentError(option, `must be a finite number > 0, got ${shift}`);
  }
}

/**
 * The shift warp, in float64 with numpy's order of operations.
 * @example shiftSigma(0.5, 3) // 0.75
 */
export function shiftSigma(sigma: number, shift: number): number {
  return (shift * sigma) / (1 + (shift - 1) * sigma);
}

/**
 * Flow sigmas in float64, noisiest first, `steps + 1` values ending with the final sigma 0:
 * `alphas = linspace(1, 1/N, steps + 1)`, `sigma = 1 - alpha`, shifted, reversed.
 * @example flowSigmas(2, 3) // Float64Array [0.99966..., 0.74962..., 0]
 */
export function flowSigmas(steps: number, shift: number, numTrainTimesteps = 1000): Float64Array {
  checkSteps(steps);
  checkShift(shift);
  checkSteps(numTrainTimesteps, 'numTrainTimesteps');
  const alphas = linspaceF64(1, 1 / numTrainTimesteps, steps + 1); // [steps + 1], 1 -> 1/N
  const out = new Float64Array(steps + 1);
  // reversed, dropping the sigma of alpha = 1 (that is 0) and appending the final sigma 0 instead
  for (let i = 0; i < steps; i++) out[i] = shiftSigma(1.0 - alphas[steps - i], shift);
  out[steps] = 0;
  return out;
}

/** A sampling schedule: what the model sees (`timesteps`) and the noise levels the solver uses (`sigmas`). */
export interface FlowSchedule {
  /** One per step, noisiest first. Values exactly as the reference: integers for Flow-DPM-Solver, float32 for Flow-Euler and SCM. */
  readonly timesteps: Float64Array;
  /** float32 values, `steps + 1` of them, the last one the final sigma (0). */
  readonly sigmas: Float32Array;
}

/**
 * The Flow-DPM-Solver schedule: `sigmas` rounded to float32 as torch stores them, `timesteps` the float64
 * `sigma * N` truncated to integers as the reference's int64 cast does.
 * @example flowDpmSchedule(3, 3).timesteps // Float64Array [999, 856, 599]
 */
export function flowDpmSchedule(steps: number, shift: number, numTrainTimesteps = 1000): FlowSchedule {
  const s64 = flowSigmas(steps, shift, numTrainTimesteps);
  const timesteps = new Float64Array(steps);
  for (let i = 0; i < steps; i++) timesteps[i] = Math.trunc(s64[i] * numTrainTimesteps);
  return { timesteps, sigmas: Float32Array.from(s64) };
}

/**
 * Dynamic (resolution-dependent) shifting as diffusers' Flux-style pipelines compute `mu`: linear in the
 * image sequence length between (`baseSeqLen`, `baseShift`) and (`maxSeqLen`, `maxShift`). The scheduler
 * then uses `shift = exp(mu)`. Sana's own pipelines use a fixed `flow_shift` instead.
 * @example calculateShift(4096) // 1.15
 */
export function calculateShift(imageSeqLen: number, baseSeqLen = 256, maxSeqLen = 4096, baseShift = 0.5, maxShift = 1.15): number {
  const m = (maxShift - baseShift) / (maxSeqLen - baseSeqLen);
  const b = baseShift - m * baseSeqLen;
  return imageSeqLen * m + b;
}
