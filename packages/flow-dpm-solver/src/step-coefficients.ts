// Each sampler step (Flow-DPM-Solver, Flow-Euler, SCM) as scalar coefficients of a linear combination, for running
// the update where the tensors live (a small ONNX graph on the GPU) instead of element loops in TypeScript.
//
// Every step of Sana's samplers is linear in the sample x, the model output v, the data predictions of earlier
// steps and (SCM) fresh noise n:
//   denoised = dx * x + dv * v
//   next     = nx * x + nv * v + nd * denoised + h1 * hist[-1] + h2 * hist[-2] + nn * n
// where hist[-1] / hist[-2] are the `denoised` of the previous two steps. The scalars below come from the same
// float32 scalar arithmetic as the element-wise steps; only the element operations are grouped differently
// (a * x - b * m0 - c * (m0 - m1) becomes a * x + (-b - c) * m0 + c * m1), so both paths agree to float32
// rounding (~1e-7 relative), not bit for bit.
//
// Abbreviations: x = sample, v = model output, m0/m1/m2 = data predictions of this and the two previous steps.
import { ArgumentError } from '@sana/core';
import { baseCoefficients, createFlowDpmState, dpmSolverOrderAt, lambdaOf, thirdOrderFactors, type FlowDpmState } from './flow-dpm-solver.js';
import { createFlowEulerState, type FlowEulerState } from './flow-euler.js';
import { f32 } from './numeric.js';
import type { SamplerOptions } from './sampler.js';
import { createScmState, type ScmState } from './scm.js';
import type { SchedulerConfig } from './scheduler-config.js';
import { trigflowToFlowTime } from './trigflow.js';

/** One step as coefficients (see the file comment for the formula). */
export interface LinearStep {
  /** denoised = x * x + v * v (the data prediction x_0; for Flow-Euler x - sigma v, which it does not use). */
  readonly denoised: { readonly x: number; readonly v: number };
  /** next = x * x + v * v + d * denoised + h1 * hist[-1] + h2 * hist[-2] + noise * n. */
  readonly next: { readonly x: number; readonly v: number; readonly d: number; readonly h1: number; readonly h2: number; readonly noise: number };
}

const ZERO_NEXT = { x: 0, v: 0, d: 0, h1: 0, h2: 0, noise: 0 };

/**
 * The Flow-DPM-Solver step at `state.stepIndex`, given how many earlier data predictions the history holds
 * (default: `state.modelOutputs.length`, as `dpmSolverStep` would see it).
 * @example const c = dpmSolverLinearStep(createFlowDpmState(SANA_FLOW_DPM_SOLVER, 20), 0); // first step: order 1
 */
export function dpmSolverLinearStep(state: FlowDpmState, history = state.modelOutputs.length): LinearStep {
  const { config, sigmas, stepIndex: i } = state;
  const steps = state.timesteps.length;
  if (i >= steps) throw new ArgumentError('state', `the schedule of ${steps} steps is finished (stepIndex ${i})`);
  const sT = sigmas[i + 1];
  const s0 = sigmas[i];
  const denoised = { x: 1, v: -f32(s0) }; // x_0 = x - sigma v (flowToData)
  const { alphaT, h, em1, a, b } = baseCoefficients(sT, s0);
  const order = dpmSolverOrderAt(config, i, steps, history);
  if (order === 1) return { denoised, next: { ...ZERO_NEXT, x: a, d: -b } };
  const h0 = f32(lambdaOf(s0) - lambdaOf(sigmas[i - 1]));
  const invR0 = f32(1 / f32(h0 / h));
  if (order === 2) {
    // midpoint: a x - b m0 - (b / 2) D1; heun: a x - b m0 + alpha_t (em1 / h + 1) D1; D1 = invR0 (m0 - m1)
    const c = config.solverType === 'midpoint' ? -f32(0.5 * b) : f32(alphaT * f32(f32(em1 / h) + 1));
    return { denoised, next: { ...ZERO_NEXT, x: a, d: -b + c * invR0, h1: -c * invR0 } };
  }
  const { invR1, w, invR01, c1, c2 } = thirdOrderFactors(alphaT, h, em1, s0, sigmas[i - 1], sigmas[i - 2]);
  // a x - b m0 + c1 D1 - c2 D2 with D1 = (1 + w) d10 - w d11, D2 = invR01 (d10 - d11),
  // d10 = invR0 (m0 - m1), d11 = invR1 (m1 - m2): collect P d10 + Q d11, then expand.
  const P = c1 * (1 + w) - c2 * invR01;
  const Q = -c1 * w + c2 * invR01;
  return { denoised, next: { ...ZERO_NEXT, x: a, d: -b + P * invR0, h1: -P * invR0 + Q * invR1, h2: -Q * invR1 } };
}

/**
 * The Flow-Euler step at `state.stepIndex`: `x + (sigma_next - sigma) v`.
 * @example const c = flowEulerLinearStep(createFlowEulerState(SANA_FLOW_EULER, 28));
 */
export function flowEulerLinearStep(state: FlowEulerState): LinearStep {
  const i = state.stepIndex;
  if (i >= state.timesteps.length) throw new ArgumentError('state', `the schedule of ${state.timesteps.length} steps is finished (stepIndex ${i})`);
  const dt = f32(state.sigmas[i + 1] - state.sigmas[i]);
  return { denoised: { x: 1, v: -f32(state.sigmas[i]) }, next: { ...ZERO_NEXT, x: 1, v: dt } };
}

/**
 * The SCM step at `state.stepIndex`, with v the TrigFlow output F: x_0 = cos(s) x - sin(s) F,
 * next = cos(t) x_0 + sin(t) sigma_data n. (For the Sprint transformer's flow velocity, see `sprintLinearStep`.)
 * @example const c = scmLinearStep(createScmState(SANA_SPRINT_SCM, 2));
 */
export function scmLinearStep(state: ScmState): LinearStep {
  const i = state.stepIndex;
  const steps = state.timesteps.length - 1;
  if (i >= steps) throw new ArgumentError('state', `the schedule of ${steps} steps is finished (stepIndex ${i})`);
  const s = state.timesteps[i];
  const t = state.timesteps[i + 1];
  const sd = f32(state.config.sigmaData);
  return {
    denoised: { x: f32(Math.cos(s)), v: -f32(Math.sin(s)) },
    next: { ...ZERO_NEXT, d: f32(Math.cos(t)), noise: f32(f32(Math.sin(t)) * sd) },
  };
}

/**
 * `step` with its model output replaced by `vx * x + vv * v` (a model whose raw output v maps linearly to the
 * output the sampler expects, e.g. the Sprint transformer's flow velocity -> TrigFlow F).
 * @example const c = substituteModelOutput(scmLinearStep(state), 0.2, 0.9);
 */
export function substituteModelOutput(step: LinearStep, vx: number, vv: number): LinearStep {
  const { denoised: d, next: n } = step;
  return {
    denoised: { x: d.x + d.v * vx, v: d.v * vv },
    next: { ...n, x: n.x + n.v * vx, v: n.v * vv },
  };
}

/** sqrt(r^2 + (1 - r)^2) in float32, as trigflow.ts computes it. */
function flowScale(r: number): number {
  const q = f32(1 - r);
  return f32(Math.sqrt(f32(f32(r * r) + f32(q * q))));
}

/**
 * The Sprint transformer's input for TrigFlow latents at time t is `sprintInputScale(t, sd) * x`
 * (`scmModelInput`: x / sigma_data * sqrt(r^2 + (1 - r)^2)).
 * @example const input = x.map((v) => v * sprintInputScale(1.3, 0.5));
 */
export function sprintInputScale(t: number, sigmaData: number): number {
  return flowScale(trigflowToFlowTime(t)) / f32(sigmaData);
}

/**
 * The SCM step at `state.stepIndex` in terms of the Sprint transformer's flow velocity v (the transformer ran on
 * `sprintInputScale(t) * x`): F = ((1 - 2r) input + (1 - 2r + 2r^2) v) / scale * sd (`scmModelOutput`), which is
 * (1 - 2r) x + (1 - 2r + 2r^2) sd / scale v.
 * @example const c = sprintLinearStep(createScmState(SANA_SPRINT_SCM, 2));
 */
export function sprintLinearStep(state: ScmState): LinearStep {
  const r = trigflowToFlowTime(state.timesteps[state.stepIndex]);
  const a = f32(1 - f32(2 * r));
  const b = f32(a + f32(2 * f32(r * r)));
  return substituteModelOutput(scmLinearStep(state), a, b * f32(state.config.sigmaData) / flowScale(r));
}

/**
 * Every step of a sampler run as coefficients, in order (the schedule `createSampler(config, steps, options)` runs).
 * For SCM, v is the TrigFlow output F; pass `sprint: true` for the Sprint transformer's flow velocity.
 * @example for (const c of samplerLinearSteps(SANA_FLOW_DPM_SOLVER, 20)) x_next = c.next.x * x + ...;
 */
export function samplerLinearSteps(config: SchedulerConfig, steps: number, options: SamplerOptions & { readonly sprint?: boolean } = {}): LinearStep[] {
  switch (config.kind) {
    case 'flow-dpm-solver': {
      const s0 = createFlowDpmState(config, steps, options);
      const begin = s0.stepIndex;
      const out: LinearStep[] = [];
      // The history holds the data predictions since beginIndex, at most solverOrder of them (dpmSolverStep).
      for (let i = begin; i < steps; i++) out.push(dpmSolverLinearStep({ ...s0, stepIndex: i }, Math.min(i - begin, config.solverOrder)));
      return out;
    }
    case 'flow-euler': {
      const s0 = createFlowEulerState(config, steps, options);
      return Array.from({ length: steps }, (_, i) => flowEulerLinearStep({ ...s0, stepIndex: i }));
    }
    case 'scm': {
      const s0 = createScmState(config, steps, options);
      const one = options.sprint ? sprintLinearStep : scmLinearStep;
      return Array.from({ length: s0.timesteps.length - 1 }, (_, i) => one({ ...s0, stepIndex: i }));
    }
    default:
      throw new ArgumentError('config', `has unknown kind ${JSON.stringify((config as { kind?: unknown }).kind)}`);
  }
}

/**
 * Applies a linear step on the host in float64 (the reference for the device graph, and for tests).
 * `hist` holds the previous `denoised`, most recent first; `noise` is standard normal (SCM).
 * @example const { sample, denoised } = applyLinearStep(c, x, v, [m1], noise);
 */
export function applyLinearStep(
  c: LinearStep, x: Float32Array, v: Float32Array, hist: readonly Float32Array[] = [], noise?: Float32Array,
): { sample: Float32Array; denoised: Float32Array } {
  const n = c.next;
  if (v.length !== x.length) throw new ArgumentError('modelOutput', `has ${v.length} elements but the sample has ${x.length}`);
  if ((n.h1 !== 0 && !hist[0]) || (n.h2 !== 0 && !hist[1])) throw new ArgumentError('hist', `this step needs ${n.h2 !== 0 ? 2 : 1} earlier data predictions; got ${hist.length}`);
  if (n.noise !== 0 && !noise) throw new ArgumentError('noise', 'is required by this step');
  const denoised = new Float32Array(x.length);
  const sample = new Float32Array(x.length);
  for (let k = 0; k < x.length; k++) {
    const d = c.denoised.x * x[k] + c.denoised.v * v[k];
    denoised[k] = d;
    let y = n.x * x[k] + n.v * v[k] + n.d * d;
    if (n.h1 !== 0) y += n.h1 * hist[0][k];
    if (n.h2 !== 0) y += n.h2 * hist[1][k];
    if (n.noise !== 0) y += n.noise * noise![k];
    sample[k] = y;
  }
  return { sample, denoised };
}
