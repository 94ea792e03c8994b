// SCM sampler (Sana-Sprint, arXiv 2503.09641): few-step consistency sampling in TrigFlow time t in [0, pi/2].
//
// TrigFlow: x_t = cos(t) x_0 + sin(t) z with z ~ N(0, sigma_data^2). The model output F gives
// x_0 = cos(s) x_s - sin(s) F; the next sample re-noises that estimate to the next time t:
// x_t = cos(t) x_0 + sin(t) sigma_data n, with fresh standard normal noise n (the reference draws it
// from the pipeline's generator on every step, the last one included, where sin(0) = 0 discards it).
// This reproduces diffusers' `SCMScheduler`.
import { ArgumentError } from '@sana/core';
import { checkSteps } from './flow-sigmas.js';
import { f32, linspaceF32 } from './numeric.js';
import type { ScmConfig } from './scheduler-config.js';

export interface ScmScheduleOptions {
  /** The first TrigFlow time (default 1.5708, about pi/2: pure noise). */
  readonly maxTimesteps?: number;
  /** The middle time of a 2-step schedule (default 1.3 when steps = 2; must be omitted otherwise). */
  readonly intermediateTimesteps?: number | null;
  /** Custom times, `steps + 1` of them, last usually 0 (replaces max/intermediate). */
  readonly timesteps?: readonly number[];
}

/**
 * The SCM times, float32, `steps + 1` of them ending at 0: `[max, intermediate, 0]` for 2 steps,
 * otherwise `torch.linspace(max, 0, steps + 1)`.
 * @example scmTimesteps(2) // Float32Array [1.5708, 1.3, 0]
 * @example scmTimesteps(4) // Float32Array [1.5708, 1.1781, 0.7854, 0.3927, 0]
 */
export function scmTimesteps(steps: number, options: ScmScheduleOptions = {}, numTrainTimesteps = 1000): Float32Array {
  checkSteps(steps);
  if (steps > numTrainTimesteps) throw new ArgumentError('steps', `must be at most num_train_timesteps (${numTrainTimesteps}), got ${steps}`);
  if (options.timesteps !== undefined) {
    if (options.maxTimesteps !== undefined || (options.intermediateTimesteps ?? null) !== null) {
      throw new ArgumentError('timesteps', 'custom timesteps replace maxTimesteps and intermediateTimesteps; pass only one');
    }
    if (options.timesteps.length !== steps + 1) {
      throw new ArgumentError('timesteps', `must have steps + 1 = ${steps + 1} values, got ${options.timesteps.length}`);
    }
    return Float32Array.from(options.timesteps);
  }
  const max = options.maxTimesteps ?? 1.5708;
  if (!Number.isFinite(max) || max <= 0 || max > Math.PI / 2 + 1e-4) {
    throw new ArgumentError('maxTimesteps', `must be in (0, pi/2], got ${max}`);
  }
  const intermediate = options.intermediateTimesteps === undefined ? (steps === 2 ? 1.3 : null) : options.intermediateTimesteps;
  if (intermediate !== null) {
    if (steps !== 2) throw new ArgumentError('intermediateTimesteps', `is only used with 2 steps, got steps = ${steps}`);
    if (!Number.isFinite(intermediate)) throw new ArgumentError('intermediateTimesteps', `must be a finite number, got ${intermediate}`);
    return Float32Array.from([max, intermediate, 0]);
  }
  return linspaceF32(max, 0, steps + 1);
}

/** Plain, immutable SCM state. */
export interface ScmState {
  readonly config: ScmConfig;
  /** float32 TrigFlow times, `steps + 1`; the loop runs over the first `steps`. */
  readonly timesteps: Float32Array;
  readonly stepIndex: number;
}

/**
 * A fresh SCM state.
 * @example let state = createScmState(SANA_SPRINT_SCM, 2); // times [1.5708, 1.3, 0]
 */
export function createScmState(config: ScmConfig, steps: number, options: ScmScheduleOptions = {}): ScmState {
  return Object.freeze({ config, timesteps: scmTimesteps(steps, options, config.numTrainTimesteps), stepIndex: 0 });
}

export interface ScmStepResult {
  /** The re-noised sample at the next time (equal to `denoised` after the last step). */
  readonly sample: Float32Array;
  /** x_0 predicted at this step (scaled by sigma_data, like the sample). */
  readonly denoised: Float32Array;
  readonly state: ScmState;
}

/**
 * One SCM step. `modelOutput` is the TrigFlow output F (see `scmModelOutput` for the Sprint transformer);
 * `noise` is standard normal of the sample's size; it may be omitted only when the next time is 0.
 * @example const { sample, denoised, state: next } = scmStep(state, F, x, randn(shape, seed));
 */
export function scmStep(state: ScmState, modelOutput: Float32Array, sample: Float32Array, noise?: Float32Array): ScmStepResult {
  const i = state.stepIndex;
  const steps = state.timesteps.length - 1;
  if (i >= steps) throw new ArgumentError('state', `the schedule of ${steps} steps is finished (stepIndex ${i})`);
  if (!(modelOutput instanceof Float32Array) || !(sample instanceof Float32Array)) {
    throw new ArgumentError('modelOutput', 'modelOutput and sample must be Float32Arrays');
  }
  if (modelOutput.length !== sample.length) {
    throw new ArgumentError('modelOutput', `has ${modelOutput.length} elements but the sample has ${sample.length}`);
  }
  const s = state.timesteps[i];
  const t = state.timesteps[i + 1];
  const sinT = f32(Math.sin(t));
  if (noise === undefined && sinT !== 0) throw new ArgumentError('noise', `is required for every step that does not end at time 0 (step ${i}, t = ${t})`);
  if (noise !== undefined && noise.length !== sample.length) {
    throw new ArgumentError('noise', `has ${noise.length} elements but the sample has ${sample.length}`);
  }
  const cosS = f32(Math.cos(s));
  const sinS = f32(Math.sin(s));
  const cosT = f32(Math.cos(t));
  const sd = f32(state.config.sigmaData);
  const denoised = new Float32Array(sample.length);
  const out = new Float32Array(sample.length);
  for (let k = 0; k < out.length; k++) {
    const x0 = f32(f32(cosS * sample[k]) - f32(sinS * modelOutput[k]));
    denoised[k] = x0;
    const z = noise === undefined ? 0 : f32(noise[k] * sd);
    out[k] = f32(f32(cosT * x0) + f32(sinT * z));
  }
  return { sample: out, denoised, state: Object.freeze({ ...state, stepIndex: i + 1 }) };
}
