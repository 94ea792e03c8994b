import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import { createFlowDpmState, dpmSolverOrderAt, dpmSolverStep, flowToData, type FlowDpmState } from './flow-dpm-solver.js';
import { maxRelError } from './numeric.js';
import { SANA_FLOW_DPM_SOLVER, type FlowDpmSolverConfig } from './scheduler-config.js';

const cfg = (patch: Partial<FlowDpmSolverConfig> = {}): FlowDpmSolverConfig => ({ ...SANA_FLOW_DPM_SOLVER, ...patch });
const lambda = (s: number) => Math.log(1 - s) - Math.log(s);

/**
 * The exact solution of the DPM-Solver++ ODE from sigma_s to sigma_t for a data prediction x0(lambda):
 * x_t = (sigma_t / sigma_s) x_s + sigma_t * integral e^u x0(u) du (trapezoid on a fine grid, float64).
 */
function exactStep(xs: number, sigmaS: number, sigmaT: number, x0: (l: number) => number): number {
  const ls = lambda(sigmaS);
  const lt = lambda(sigmaT);
  const n = 20000;
  let acc = 0;
  for (let k = 0; k <= n; k++) {
    const u = ls + ((lt - ls) * k) / n;
    acc += (k === 0 || k === n ? 0.5 : 1) * Math.exp(u) * x0(u);
  }
  return (sigmaT / sigmaS) * xs + sigmaT * acc * ((lt - ls) / n);
}

/** Runs one step at `stepIndex` with a history that follows x0(lambda), returning got and exact. */
function stepAgainstExact(config: FlowDpmSolverConfig, stepIndex: number, x0: (l: number) => number) {
  const base = createFlowDpmState(config, 10);
  const sig = base.sigmas;
  const history = [];
  for (let j = Math.max(0, stepIndex - config.solverOrder + 1); j < stepIndex; j++) history.push(Float32Array.of(x0(lambda(sig[j]))));
  const state: FlowDpmState = { ...base, stepIndex, modelOutputs: history };
  const xs = 0.3;
  // a velocity whose data prediction at this step is x0(lambda_s): v = (x - x0) / sigma
  const v = Float32Array.of((xs - x0(lambda(sig[stepIndex]))) / sig[stepIndex]);
  const got = dpmSolverStep(state, v, Float32Array.of(xs)).sample[0];
  return { got, exact: exactStep(xs, sig[stepIndex], sig[stepIndex + 1], x0) };
}

describe('Flow-DPM-Solver step', () => {
  it('follows the exact flow x = (1 - sigma) x0 + sigma z for a constant data prediction, at every order', () => {
    const x0 = Float32Array.from([0.7, -1.2, 0.05, 2]);
    const z = Float32Array.from([-0.3, 0.8, 1.5, -2]);
    for (const solverOrder of [1, 2, 3] as const) {
      for (const solverType of ['midpoint', 'heun'] as const) {
        let state = createFlowDpmState(cfg({ solverOrder, solverType }), 9);
        let x: Float32Array = x0.map((a, k) => (1 - state.sigmas[0]) * a + state.sigmas[0] * z[k]);
        const v = z.map((b, k) => b - x0[k]);
        while (state.stepIndex < 9) {
          ({ sample: x, state } = dpmSolverStep(state, v, x));
          const s = state.sigmas[state.stepIndex];
          const want = x0.map((a, k) => (1 - s) * a + s * z[k]);
          for (let k = 0; k < x.length; k++) expect(Math.abs(x[k] - want[k])).toBeLessThan(1e-5);
        }
        expect(maxRelError(x, x0)).toBeLessThan(2e-5); // finished on sigma 0
      }
    }
  });
  it('is exact for a data prediction linear in lambda with Heun 2M and 3M; the midpoint rule is not', () => {
    // exactness of the multistep correction: D1 = h * dx0/dlambda with the phi_2 coefficient integrates a line exactly
    const lin = (l: number) => 0.2 + 0.15 * l;
    const heun = stepAgainstExact(cfg({ solverType: 'heun' }), 4, lin);
    expect(Math.abs(heun.got - heun.exact)).toBeLessThan(2e-6);
    const o3 = stepAgainstExact(cfg({ solverOrder: 3 }), 4, lin);
    expect(Math.abs(o3.got - o3.exact)).toBeLessThan(2e-6);
    const mid = stepAgainstExact(cfg({ solverType: 'midpoint' }), 4, lin);
    expect(Math.abs(mid.got - mid.exact)).toBeGreaterThan(1e-4);
    // and a curved prediction separates 3M from 2M
    const quad = (l: number) => 0.2 + 0.15 * l - 0.05 * l * l;
    const q3 = stepAgainstExact(cfg({ solverOrder: 3 }), 4, quad);
    const q2 = stepAgainstExact(cfg({ solverType: 'heun' }), 4, quad);
    expect(Math.abs(q3.got - q2.got)).toBeGreaterThan(1e-4);
  });
  it('lands on the data prediction at the final sigma 0', () => {
    let state = createFlowDpmState(cfg(), 1);
    const x = Float32Array.from([1, 2, 3]);
    const v = Float32Array.from([0.5, -0.5, 2]);
    const r = dpmSolverStep(state, v, x);
    expect(Array.from(r.sample)).toEqual(Array.from(r.denoised));
    expect(Array.from(r.denoised)).toEqual(Array.from(flowToData(v, x, state.sigmas[0])));
    state = r.state;
    expect(state.stepIndex).toBe(1);
  });
  it('uses the reference order schedule (lower orders first and last, 3M in the middle)', () => {
    const orders = (c: FlowDpmSolverConfig, n: number) =>
      Array.from({ length: n }, (_, i) => dpmSolverOrderAt(c, i, n, Math.min(i, c.solverOrder)));
    expect(orders(cfg(), 7)).toEqual([1, 2, 2, 2, 2, 2, 1]);
    expect(orders(cfg({ solverOrder: 3 }), 7)).toEqual([1, 2, 3, 3, 3, 2, 1]);
    expect(orders(cfg({ solverOrder: 3 }), 20)).toEqual([1, 2, ...Array(17).fill(3), 1]);
    expect(orders(cfg({ solverOrder: 1 }), 4)).toEqual([1, 1, 1, 1]);
  });
  it('is pure: the input state and arrays are untouched and a replay gives the same result', () => {
    const state = createFlowDpmState(cfg(), 5);
    const x = Float32Array.from([0.1, 0.2]);
    const v = Float32Array.from([1, -1]);
    const a = dpmSolverStep(state, v, x);
    const b = dpmSolverStep(state, v, x);
    expect(state.stepIndex).toBe(0);
    expect(state.modelOutputs.length).toBe(0);
    expect(Array.from(x)).toEqual([0.1, 0.2].map(Math.fround));
    expect(Array.from(a.sample)).toEqual(Array.from(b.sample));
    expect(Object.isFrozen(a.state)).toBe(true);
  });
  it('rejects a model output of the wrong length, a finished schedule and bad schedule options', () => {
    const state = createFlowDpmState(cfg(), 2);
    expect(() => dpmSolverStep(state, new Float32Array(3), new Float32Array(4))).toThrow(ArgumentError);
    expect(() => dpmSolverStep(state, new Float32Array(3), new Float32Array(4))).toThrow(/modelOutput: has 3 elements but the sample has 4/);
    let s = state;
    for (let i = 0; i < 2; i++) s = dpmSolverStep(s, new Float32Array(4), new Float32Array(4)).state;
    expect(() => dpmSolverStep(s, new Float32Array(4), new Float32Array(4))).toThrow(/finished/);
    expect(() => createFlowDpmState(cfg(), 0)).toThrow(ArgumentError);
    expect(() => createFlowDpmState(cfg(), -3)).toThrow(/steps/);
    expect(() => createFlowDpmState(cfg({ flowShift: 0 }), 4)).toThrow(/flowShift/);
    expect(() => createFlowDpmState(cfg(), 4, { mu: 1 })).toThrow(/use_dynamic_shifting/);
    expect(() => createFlowDpmState(cfg(), 4, { beginIndex: 4 })).toThrow(/beginIndex/);
  });
  it('takes the shift from mu with dynamic shifting', () => {
    const a = createFlowDpmState(cfg({ useDynamicShifting: true }), 6, { mu: Math.log(3) });
    const b = createFlowDpmState(cfg({ flowShift: 3 }), 6);
    expect(maxRelError(a.sigmas, b.sigmas)).toBeLessThan(1e-7);
  });
});
