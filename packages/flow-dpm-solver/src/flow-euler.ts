// Flow-Euler: the first-order rectified-flow sampler x_next = x + (sigma_next - sigma) * v (Sana paper's Flow-Euler baseline).
//
// Reproduces diffusers' `FlowMatchEulerDiscreteScheduler` with its rounding steps: the training sigmas are
// float32 and already shifted, and `set_timesteps` spaces between their ends and shifts once more in float64.
// (So the last sigma is shifted twice; that is the reference's behaviour and the tables depend on it.)
import { ArgumentError } from '@sana/core';
import { checkShift, checkSteps, shiftSigma, type FlowSchedule } from './flow-sigmas.js';
import { f32, linspaceF64 } from './numeric.js';
import type { FlowEulerConfig } from './scheduler-config.js';

export interface FlowEulerOptions {
  /** Dynamic shifting exponent; required when the config has `useDynamicShifting`. */
  readonly mu?: number;
}

/** The float32 training sigma at train timestep `t` (1..N), shifted unless dynamic shifting is on (`__init__`). */
function trainingSigma(config: FlowEulerConfig, t: number): number {
  const s = f32(t / config.numTrainTimesteps);
  if (config.useDynamicShifting) return s;
  const shift = f32(config.shift);
  return f32(f32(shift * s) / f32(1 + f32(f32(config.shift - 1) * s)));
}

function timeShift(config: FlowEulerConfig, mu: number, s: number): number {
  // diffusers' time_shift(mu, sigma=1.0, t): (1/t - 1) ** 1.0 is exact
  return config.timeShiftType === 'exponential' ? Math.exp(mu) / (Math.exp(mu) + (1 / s - 1)) : mu / (mu + (1 / s - 1));
}

/**
 * The Flow-Euler schedule: float32 sigmas (`steps + 1`, ending with 0) and float32 timesteps `sigma * N`.
 * @example flowEulerSchedule(SANA_FLOW_EULER, 3).timesteps // Float64Array [1000, 751.12109375, 8.928571701049805]
 */
export function flowEulerSchedule(config: FlowEulerConfig, steps: number, options: FlowEulerOptions = {}): FlowSchedule {
  checkSteps(steps);
  checkShift(config.shift);
  const n = config.numTrainTimesteps;
  const { mu } = options;
  if (config.useDynamicShifting && (mu === undefined || !Number.isFinite(mu))) {
    throw new ArgumentError('mu', 'must be a finite number when the scheduler has use_dynamic_shifting = true');
  }
  const sigmaMax = trainingSigma(config, n);
  const sigmaMin = trainingSigma(config, 1);
  const t64 = linspaceF64(sigmaMax * n, sigmaMin * n, steps); // [steps] float64
  const s64 = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    const s = t64[i] / n;
    s64[i] = config.useDynamicShifting ? timeShift(config, mu as number, s) : shiftSigma(s, config.shift);
  }
  if (config.shiftTerminal !== null) {
    // stretch so that the last sigma is shiftTerminal: 1 - (1 - s) / ((1 - s_last) / (1 - terminal))
    const scale = (1 - s64[steps - 1]) / (1 - config.shiftTerminal);
    for (let i = 0; i < steps; i++) s64[i] = 1 - (1 - s64[i]) / scale;
  }
  const sigmas = new Float32Array(steps + 1); // the final sigma stays 0
  const timesteps = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    sigmas[i] = s64[i];
    timesteps[i] = f32(sigmas[i] * n);
  }
  return { timesteps, sigmas };
}

/** Plain, immutable Flow-Euler state. */
export interface FlowEulerState {
  readonly config: FlowEulerConfig;
  /** float32 model timesteps, one per step. */
  readonly timesteps: Float64Array;
  readonly sigmas: Float32Array;
  readonly stepIndex: number;
}

/**
 * A fresh Flow-Euler state.
 * @example let state = createFlowEulerState(SANA_FLOW_EULER, 28);
 */
export function createFlowEulerState(config: FlowEulerConfig, steps: number, options: FlowEulerOptions = {}): FlowEulerState {
  const { timesteps, sigmas } = flowEulerSchedule(config, steps, options);
  return Object.freeze({ config, timesteps, sigmas, stepIndex: 0 });
}

/**
 * One Euler step along the predicted velocity, in float32 as the reference: `x + (sigma_next - sigma) * v`.
 * @example const { sample, state: next } = flowEulerStep(state, velocity, sample);
 */
export function flowEulerStep(
  state: FlowEulerState, modelOutput: Float32Array, sample: Float32Array,
): { readonly sample: Float32Array; readonly state: FlowEulerState } {
  const i = state.stepIndex;
  const steps = state.timesteps.length;
  if (i >= steps) throw new ArgumentError('state', `the schedule of ${steps} steps is finished (stepIndex ${i})`);
  if (!(modelOutput instanceof Float32Array) || !(sample instanceof Float32Array)) {
    throw new ArgumentError('modelOutput', 'modelOutput and sample must be Float32Arrays');
  }
  if (modelOutput.length !== sample.length) {
    throw new ArgumentError('modelOutput', `has ${modelOutput.length} elements but the sample has ${sample.length}`);
  }
  const dt = f32(state.sigmas[i + 1] - state.sigmas[i]);
  const out = new Float32Array(sample.length);
  for (let k = 0; k < out.length; k++) out[k] = f32(sample[k] + f32(dt * modelOutput[k]));
  return { sample: out, state: Object.freeze({ ...state, stepIndex: i + 1 }) };
}
