// Flow-DPM-Solver: multistep DPM-Solver++ (orders 1-3) on flow sigmas with velocity prediction (Sana paper, Flow-DPM-Solver).
//
// The model predicts the flow velocity v = noise - x_0; with x_sigma = (1 - sigma) x_0 + sigma noise the
// data prediction is x_0 = x_sigma - sigma * v, and DPM-Solver++ integrates that in lambda = log(alpha / sigma)
// with alpha = 1 - sigma. Every scalar coefficient and element operation is rounded to float32 in the order
// torch evaluates `DPMSolverMultistepScheduler.step`, so results match the reference to float32 rounding.
//
// Abbreviations: x = sample, m = data prediction (x_0) of a step, s0/s1/s2 = current and previous sigmas,
// t = the sigma stepped to, h = lambda_t - lambda_s0.
import { ArgumentError } from '@sana/core';
import { checkShift, checkSteps, flowDpmSchedule } from './flow-sigmas.js';
import { f32 } from './numeric.js';
import type { FlowDpmSolverConfig } from './scheduler-config.js';

/** Plain, immutable solver state: pass it to `dpmSolverStep` and use the one it returns. */
export interface FlowDpmState {
  readonly config: FlowDpmSolverConfig;
  /** Integer model timesteps, one per step, noisiest first. */
  readonly timesteps: Float64Array;
  /** float32 sigmas, `steps + 1`, ending with 0. */
  readonly sigmas: Float32Array;
  /** The step the next call performs (0-based). */
  readonly stepIndex: number;
  /** Data predictions of the last `solverOrder` steps, oldest first. */
  readonly modelOutputs: readonly Float32Array[];
}

export interface FlowDpmStateOptions {
  /** Dynamic shifting: the shift becomes `exp(mu)`; needs `useDynamicShifting` in the config. */
  readonly mu?: number;
  /** Start at this step (image-to-image); the multistep history still starts empty, as in the reference. */
  readonly beginIndex?: number;
}

/**
 * A fresh solver state for `steps` sampling steps.
 * @example
 * let state = createFlowDpmState(SANA_FLOW_DPM_SOLVER, 20);
 * for (const t of state.timesteps) ({ sample: x, state } = dpmSolverStep(state, await model(x, t), x));
 */
export function createFlowDpmState(config: FlowDpmSolverConfig, steps: number, options: FlowDpmStateOptions = {}): FlowDpmState {
  checkSteps(steps);
  let shift = config.flowShift;
  if (options.mu !== undefined) {
    if (!config.useDynamicShifting) throw new ArgumentError('mu', 'needs a scheduler config with use_dynamic_shifting = true');
    if (!Number.isFinite(options.mu)) throw new ArgumentError('mu', `must be a finite number, got ${options.mu}`);
    shift = Math.exp(options.mu);
  }
  checkShift(shift, 'flowShift');
  const begin = options.beginIndex ?? 0;
  if (!Number.isInteger(begin) || begin < 0 || begin >= steps) {
    throw new ArgumentError('beginIndex', `must be an integer in [0, ${steps - 1}], got ${begin}`);
  }
  const { timesteps, sigmas } = flowDpmSchedule(steps, shift, config.numTrainTimesteps);
  return Object.freeze({ config, timesteps, sigmas, stepIndex: begin, modelOutputs: Object.freeze([]) });
}

/**
 * Flow prediction -> data prediction: `x_0 = x - sigma * v` in float32 (diffusers' `convert_model_output`).
 * @example const x0 = flowToData(velocity, sample, state.sigmas[state.stepIndex]);
 */
export function flowToData(modelOutput: Float32Array, sample: Float32Array, sigma: number): Float32Array {
  checkSameLength(modelOutput, sample, 'modelOutput');
  const s = f32(sigma);
  const out = new Float32Array(sample.length);
  for (let i = 0; i < out.length; i++) out[i] = f32(sample[i] - f32(s * modelOutput[i]));
  return out;
}

/** The order the reference uses for the step at `stepIndex` given how many data predictions it has seen. */
export function dpmSolverOrderAt(config: FlowDpmSolverConfig, stepIndex: number, steps: number, history: number): 1 | 2 | 3 {
  const lowerOrderFinal = stepIndex === steps - 1
    && (config.eulerAtFinal || (config.lowerOrderFinal && steps < 15) || config.finalSigmasType === 'zero');
  const lowerOrderSecond = stepIndex === steps - 2 && config.lowerOrderFinal && steps < 15;
  if (config.solverOrder === 1 || history < 1 || lowerOrderFinal) return 1;
  if (config.solverOrder === 2 || history < 2 || lowerOrderSecond) return 2;
  return 3;
}

export interface DpmSolverStepResult {
  /** x at the next sigma. */
  readonly sample: Float32Array;
  /** This step's data prediction x_0 (a preview of the final image latents). */
  readonly denoised: Float32Array;
  readonly state: FlowDpmState;
}

/**
 * One Flow-DPM-Solver step: converts the velocity to a data prediction, then takes the multistep update
 * of the order the reference would. Pure: `state` is not modified.
 * @example const { sample, state: next } = dpmSolverStep(state, velocity, sample);
 */
export function dpmSolverStep(state: FlowDpmState, modelOutput: Float32Array, sample: Float32Array): DpmSolverStepResult {
  const { config, sigmas, stepIndex: i } = state;
  const steps = state.timesteps.length;
  if (i >= steps) throw new ArgumentError('state', `the schedule of ${steps} steps is finished (stepIndex ${i})`);
  checkSameLength(modelOutput, sample, 'modelOutput');
  for (const m of state.modelOutputs) checkSameLength(m, sample, 'sample', ' (it changed size since the previous step)');
  const m0 = flowToData(modelOutput, sample, sigmas[i]);
  const order = dpmSolverOrderAt(config, i, steps, state.modelOutputs.length);
  const history = [...state.modelOutputs, m0].slice(-config.solverOrder);
  let next: Float32Array;
  if (order === 1) next = firstOrderUpdate(sample, m0, sigmas[i + 1], sigmas[i]);
  else if (order === 2) next = secondOrderUpdate(sample, history, sigmas[i + 1], sigmas[i], sigmas[i - 1], config.solverType);
  else next = thirdOrderUpdate(sample, history, sigmas[i + 1], sigmas[i], sigmas[i - 1], sigmas[i - 2]);
  return {
    sample: next,
    denoised: m0,
    state: Object.freeze({ ...state, stepIndex: i + 1, modelOutputs: Object.freeze(history) }),
  };
}

function checkSameLength(a: Float32Array, b: Float32Array, option: string, why = ''): void {
  if (!(a instanceof Float32Array)) throw new ArgumentError(option, 'must be a Float32Array');
  if (!(b instanceof Float32Array)) throw new ArgumentError('sample', 'must be a Float32Array');
  if (a.length !== b.length) throw new ArgumentError(option, `has ${a.length} elements but the sample has ${b.length}${why}`);
}

/** lambda = log(alpha) - log(sigma) with alpha = 1 - sigma, in float32 (+Infinity at sigma 0). Shared with step-coefficients.ts. */
export function lambdaOf(sigma: number): number {
  return f32(f32(Math.log(f32(1 - sigma))) - f32(Math.log(sigma)));
}

/** Coefficients shared by every order: x_t = a * x - b * D0 + ... Shared with step-coefficients.ts. */
export function baseCoefficients(sigmaT: number, sigmaS0: number) {
  const alphaT = f32(1 - sigmaT);
  const h = f32(lambdaOf(sigmaT) - lambdaOf(sigmaS0));
  const em1 = f32(f32(Math.exp(f32(-h))) - 1); // exp(-h) - 1
  return { alphaT, h, em1, a: f32(sigmaT / sigmaS0), b: f32(alphaT * em1) };
}

/**
 * The scalar factors of DPM-Solver++(3M) (float32, in diffusers' order of operations), from the step's base coefficients
 * and the three sigmas of the history: D1 = (1 + w) d10 - w d11, D2 = invR01 (d10 - d11) with d10 = invR0 (m0 - m1),
 * d11 = invR1 (m1 - m2); the update adds c1 D1 - c2 D2. Shared with step-coefficients.ts.
 */
export function thirdOrderFactors(alphaT: number, h: number, em1: number, sigmaS0: number, sigmaS1: number, sigmaS2: number) {
  const l1 = lambdaOf(sigmaS1);
  const r0 = f32(f32(lambdaOf(sigmaS0) - l1) / h);
  const r1 = f32(f32(l1 - lambdaOf(sigmaS2)) / h);
  const r01 = f32(r0 + r1);
  return {
    invR0: f32(1 / r0), invR1: f32(1 / r1), w: f32(r0 / r01), invR01: f32(1 / r01),
    c1: f32(alphaT * f32(f32(em1 / h) + 1)),
    c2: f32(alphaT * f32(f32(f32(em1 + h) / f32(h * h)) - 0.5)),
  };
}

/** DPM-Solver++ first order (DDIM on the data prediction). At sigma_t = 0 this returns m0 exactly. */
function firstOrderUpdate(x: Float32Array, m0: Float32Array, sigmaT: number, sigmaS0: number): Float32Array {
  const { a, b } = baseCoefficients(sigmaT, sigmaS0);
  const out = new Float32Array(x.length);
  for (let k = 0; k < out.length; k++) out[k] = f32(f32(a * x[k]) - f32(b * m0[k]));
  return out;
}

/** DPM-Solver++(2M): one previous data prediction, midpoint or Heun correction. */
function secondOrderUpdate(
  x: Float32Array, history: readonly Float32Array[], sigmaT: number, sigmaS0: number, sigmaS1: number, solverType: 'midpoint' | 'heun',
): Float32Array {
  const m0 = history[history.length - 1];
  const m1 = history[history.length - 2];
  const { alphaT, h, em1, a, b } = baseCoefficients(sigmaT, sigmaS0);
  const h0 = f32(lambdaOf(sigmaS0) - lambdaOf(sigmaS1));
  const invR0 = f32(1 / f32(h0 / h));
  const out = new Float32Array(x.length);
  if (solverType === 'midpoint') {
    const c = f32(0.5 * b);
    for (let k = 0; k < out.length; k++) {
      const d1 = f32(invR0 * f32(m0[k] - m1[k]));
      out[k] = f32(f32(f32(a * x[k]) - f32(b * m0[k])) - f32(c * d1));
    }
  } else {
    const c = f32(alphaT * f32(f32(em1 / h) + 1));
    for (let k = 0; k < out.length; k++) {
      const d1 = f32(invR0 * f32(m0[k] - m1[k]));
      out[k] = f32(f32(f32(a * x[k]) - f32(b * m0[k])) + f32(c * d1));
    }
  }
  return out;
}

/** DPM-Solver++(3M): two previous data predictions. */
function thirdOrderUpdate(
  x: Float32Array, history: readonly Float32Array[], sigmaT: number, sigmaS0: number, sigmaS1: number, sigmaS2: number,
): Float32Array {
  const n = history.length;
  const m0 = history[n - 1];
  const m1 = history[n - 2];
  const m2 = history[n - 3];
  const { alphaT, h, em1, a, b } = baseCoefficients(sigmaT, sigmaS0);
  const { invR0, invR1, w, invR01, c1, c2 } = thirdOrderFactors(alphaT, h, em1, sigmaS0, sigmaS1, sigmaS2);
  const out = new Float32Array(x.length);
  for (let k = 0; k < out.length; k++) {
    const d10 = f32(invR0 * f32(m0[k] - m1[k]));
    const d11 = f32(invR1 * f32(m1[k] - m2[k]));
    const dd = f32(d10 - d11);
    const d1 = f32(d10 + f32(w * dd));
    const d2 = f32(invR01 * dd);
    out[k] = f32(f32(f32(f32(a * x[k]) - f32(b * m0[k])) + f32(c1 * d1)) - f32(c2 * d2));
  }
  return out;
}
