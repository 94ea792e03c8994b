import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import { createFlowDpmState, dpmSolverStep } from './flow-dpm-solver.js';
import { createSampler } from './sampler.js';
import { SANA_FLOW_DPM_SOLVER, SANA_FLOW_EULER, SANA_SPRINT_SCM } from './scheduler-config.js';

describe('createSampler', () => {
  it('gives the same samples as the pure Flow-DPM-Solver functions', () => {
    const sampler = createSampler(SANA_FLOW_DPM_SOLVER, 5);
    let state = createFlowDpmState(SANA_FLOW_DPM_SOLVER, 5);
    expect(Array.from(sampler.timesteps)).toEqual(Array.from(state.timesteps));
    let a: Float32Array = Float32Array.from([0.3, -0.9, 1.2]);
    let b: Float32Array = Float32Array.from(a);
    for (let i = 0; i < 5; i++) {
      const v = Float32Array.from([Math.sin(i), Math.cos(i), 0.5 - i / 10]);
      a = sampler.step(v, a);
      ({ sample: b, state } = dpmSolverStep(state, v, b));
      expect(Array.from(a)).toEqual(Array.from(b));
    }
    expect(sampler.done).toBe(true);
    expect(sampler.denoised).toBeDefined();
    expect(() => sampler.step(new Float32Array(3), a)).toThrow(/finished/);
  });
  it('loops over steps timesteps for every kind and passes noise only to SCM', () => {
    expect(createSampler(SANA_FLOW_EULER, 4).timesteps.length).toBe(4);
    const scm = createSampler(SANA_SPRINT_SCM, 2);
    expect(Array.from(scm.timesteps)).toEqual([1.5708, 1.3].map(Math.fround));
    const x = new Float32Array(2);
    scm.step(new Float32Array(2), x, new Float32Array(2));
    scm.step(new Float32Array(2), x);
    expect(scm.done).toBe(true);
    expect(() => createSampler(SANA_FLOW_EULER, 2).step(x, x, x)).toThrow(ArgumentError);
    expect(() => createSampler(SANA_FLOW_DPM_SOLVER, 0)).toThrow(/steps/);
  });
});
