import { describe, expect, it } from 'vitest';
import { ArgumentError, randn } from '@sana/core';
import { createSampler } from './sampler.js';
import { SANA_FLOW_DPM_SOLVER, SANA_FLOW_EULER, SANA_SPRINT_SCM, type SchedulerConfig } from './scheduler-config.js';
import { applyLinearStep, dpmSolverLinearStep, samplerLinearSteps, sprintInputScale } from './step-coefficients.js';
import { createFlowDpmState } from './flow-dpm-solver.js';
import { scmInitialLatents, scmModelInput, scmModelOutput } from './trigflow.js';

const N = 512;
/** max |a - b| / max(max |b|, 1): float32 rounding of sums of O(1) terms is ~1e-7 of their size. */
function scaledError(a: Float32Array, b: Float32Array): number {
  let m = 0;
  let s = 1;
  for (let i = 0; i < b.length; i++) { m = Math.max(m, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return m / s;
}

/** Runs `createSampler` and the linear steps side by side on the same model outputs; returns the worst step error. */
function compare(config: SchedulerConfig, steps: number, opts: { beginIndex?: number; sprint?: boolean } = {}) {
  const sampler = createSampler(config, steps, { beginIndex: opts.beginIndex });
  const coeffs = samplerLinearSteps(config, steps, opts);
  expect(coeffs).toHaveLength(sampler.steps - (opts.beginIndex ?? 0));
  let xHost: Float32Array = randn([N], 1);
  let xLin: Float32Array = Float32Array.from(xHost);
  const hist: Float32Array[] = [];
  let worst = 0;
  for (let i = 0; i < coeffs.length; i++) {
    const v = randn([N], 100 + i); // a model output, the same for both paths
    const noise = config.kind === 'scm' ? randn([N], 200 + i) : undefined;
    if (opts.sprint) {
      // the Sprint pipeline: velocity of the transformer on the scaled input -> F -> SCM step
      const t = sampler.timesteps[i];
      const { input, timestep } = scmModelInput(xHost, t, SANA_SPRINT_SCM.sigmaData);
      xHost = sampler.step(scmModelOutput(v, input, timestep, SANA_SPRINT_SCM.sigmaData), xHost, noise);
    } else {
      xHost = sampler.step(v, xHost, noise);
    }
    const r = applyLinearStep(coeffs[i], xLin, v, hist, noise);
    hist.unshift(r.denoised);
    xLin = r.sample;
    worst = Math.max(worst, scaledError(xLin, xHost));
    if (sampler.denoised) expect(scaledError(r.denoised, sampler.denoised)).toBeLessThan(1e-6);
    xLin = Float32Array.from(xHost); // each step from the same sample, so errors do not accumulate
  }
  return worst;
}

describe('linear step coefficients agree with the samplers', () => {
  it('Flow-DPM-Solver 2M midpoint (Sana), 20 and 5 steps', () => {
    expect(compare(SANA_FLOW_DPM_SOLVER, 20)).toBeLessThan(1e-6);
    expect(compare(SANA_FLOW_DPM_SOLVER, 5)).toBeLessThan(1e-6);
  });
  it('Flow-DPM-Solver heun, order 1 and order 3', () => {
    expect(compare({ ...SANA_FLOW_DPM_SOLVER, solverType: 'heun' }, 12)).toBeLessThan(1e-6);
    expect(compare({ ...SANA_FLOW_DPM_SOLVER, solverOrder: 1 }, 8)).toBeLessThan(1e-6);
    expect(compare({ ...SANA_FLOW_DPM_SOLVER, solverOrder: 3 }, 20)).toBeLessThan(1e-6);
    expect(compare({ ...SANA_FLOW_DPM_SOLVER, solverOrder: 3, lowerOrderFinal: false }, 10)).toBeLessThan(1e-6);
  });
  it('Flow-DPM-Solver from a beginIndex (history starts empty)', () => {
    expect(compare({ ...SANA_FLOW_DPM_SOLVER, solverOrder: 3 }, 10, { beginIndex: 3 })).toBeLessThan(1e-6);
  });
  it('Flow-Euler', () => {
    expect(compare(SANA_FLOW_EULER, 28)).toBeLessThan(1e-6);
  });
  it('SCM on F, and on the Sprint transformer velocity (1 to 4 steps)', () => {
    for (const steps of [1, 2, 4]) {
      expect(compare(SANA_SPRINT_SCM, steps)).toBeLessThan(1e-6);
      expect(compare(SANA_SPRINT_SCM, steps, { sprint: true })).toBeLessThan(1e-6);
    }
  });
});

describe('linear step coefficients', () => {
  it('use order 1 first, then order 2 (hist[-1] used)', () => {
    const s = createFlowDpmState(SANA_FLOW_DPM_SOLVER, 20);
    expect(dpmSolverLinearStep(s, 0).next.h1).toBe(0);
    expect(dpmSolverLinearStep({ ...s, stepIndex: 1 }, 1).next.h1).not.toBe(0);
  });
  it('end on the data prediction (sigma 0): next = denoised', () => {
    const last = samplerLinearSteps(SANA_FLOW_DPM_SOLVER, 20).at(-1)!;
    expect(last.next).toEqual({ x: 0, v: 0, d: 1, h1: 0, h2: 0, noise: 0 });
  });
  it('scale the Sprint input as scmModelInput does', () => {
    const x = scmInitialLatents(randn([64], 5), 0.5);
    const { input } = scmModelInput(x, 1.3, 0.5);
    const k = sprintInputScale(1.3, 0.5);
    expect(scaledError(x.map((v) => v * k), input)).toBeLessThan(1e-6);
  });
  it('refuse a finished schedule and a missing history or noise', () => {
    const s = createFlowDpmState(SANA_FLOW_DPM_SOLVER, 2);
    expect(() => dpmSolverLinearStep({ ...s, stepIndex: 2 })).toThrow(ArgumentError);
    const [, second] = samplerLinearSteps({ ...SANA_FLOW_DPM_SOLVER, lowerOrderFinal: false }, 5);
    const x = new Float32Array(4);
    expect(() => applyLinearStep(second, x, x)).toThrow('hist: this step needs 1 earlier data predictions; got 0');
    const [scm] = samplerLinearSteps(SANA_SPRINT_SCM, 2);
    expect(() => applyLinearStep(scm, x, x)).toThrow('noise: is required by this step');
  });
});
