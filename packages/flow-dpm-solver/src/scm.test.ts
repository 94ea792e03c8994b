import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import { createScmState, scmStep, scmTimesteps } from './scm.js';
import { SANA_SPRINT_SCM } from './scheduler-config.js';
import { flowTimeToTrigflow, scmFinalLatents, scmInitialLatents, scmModelInput, scmModelOutput, trigflowToFlowTime } from './trigflow.js';

describe('SCM timesteps', () => {
  it('is [max, intermediate, 0] for 2 steps and a float32 linspace otherwise', () => {
    expect(Array.from(scmTimesteps(2))).toEqual([1.5708, 1.3, 0].map(Math.fround));
    expect(Array.from(scmTimesteps(2, { intermediateTimesteps: 1.0 }))).toEqual([1.5708, 1.0, 0].map(Math.fround));
    expect(Array.from(scmTimesteps(1))).toEqual([1.5708, 0].map(Math.fround));
    const four = scmTimesteps(4);
    expect(four.length).toBe(5);
    for (let i = 0; i < 5; i++) expect(four[i]).toBeCloseTo(1.5708 * (1 - i / 4), 6);
    expect(Array.from(scmTimesteps(2, { intermediateTimesteps: null }))).toEqual([1.5708, 0.7854, 0].map(Math.fround));
  });
  it('rejects bad step counts and option mixes', () => {
    expect(() => scmTimesteps(0)).toThrow(ArgumentError);
    expect(() => scmTimesteps(3, { intermediateTimesteps: 1.3 })).toThrow(/intermediateTimesteps/);
    expect(() => scmTimesteps(2, { timesteps: [1, 0] })).toThrow(/steps \+ 1/);
    expect(() => scmTimesteps(1, { timesteps: [1, 0], maxTimesteps: 1.2 })).toThrow(/only one/);
    expect(() => scmTimesteps(2, { maxTimesteps: -1 })).toThrow(/maxTimesteps/);
    expect(() => scmTimesteps(1001)).toThrow(/num_train_timesteps/);
  });
});

describe('SCM step', () => {
  it('recovers x0 from the TrigFlow velocity and re-noises it with sigma_data * noise', () => {
    const sd = SANA_SPRINT_SCM.sigmaData;
    const x0 = Float32Array.from([0.3, -0.4, 0.1]);
    const z = Float32Array.from([0.5, 0.2, -0.6]);
    const n = Float32Array.from([1, -1, 2]);
    let state = createScmState(SANA_SPRINT_SCM, 2);
    const s = state.timesteps[0];
    const x = x0.map((a, k) => Math.cos(s) * a + Math.sin(s) * z[k]);
    const F = x0.map((a, k) => Math.cos(s) * z[k] - Math.sin(s) * a); // dx/dt
    const r = scmStep(state, F, x, n);
    for (let k = 0; k < 3; k++) expect(r.denoised[k]).toBeCloseTo(x0[k], 6);
    const t = state.timesteps[1];
    for (let k = 0; k < 3; k++) expect(r.sample[k]).toBeCloseTo(Math.cos(t) * x0[k] + Math.sin(t) * sd * n[k], 6);
    state = r.state;
    const last = scmStep(state, F, r.sample); // ends at t = 0: no noise needed, the sample is the denoised one
    expect(Array.from(last.sample)).toEqual(Array.from(last.denoised));
  });
  it('requires noise before the last step and matching lengths', () => {
    const state = createScmState(SANA_SPRINT_SCM, 2);
    expect(() => scmStep(state, new Float32Array(2), new Float32Array(2))).toThrow(/noise/);
    expect(() => scmStep(state, new Float32Array(3), new Float32Array(2), new Float32Array(2))).toThrow(ArgumentError);
    expect(() => scmStep(state, new Float32Array(2), new Float32Array(2), new Float32Array(5))).toThrow(/noise/);
  });
});

describe('TrigFlow <-> flow helpers (Sana-Sprint pipeline)', () => {
  it('maps t to r = sin t / (sin t + cos t) and back', () => {
    expect(trigflowToFlowTime(Math.PI / 4)).toBeCloseTo(0.5, 7);
    expect(trigflowToFlowTime(0)).toBe(0);
    for (const t of [0.1, 0.7, 1.3]) expect(flowTimeToTrigflow(trigflowToFlowTime(t))).toBeCloseTo(t, 6);
  });
  it('gives the transformer the flow sample and turns a perfect flow velocity into the TrigFlow output', () => {
    const sd = 0.5;
    const x0u = Float32Array.from([0.8, -0.2, 0.4, 1.1]); // unit-scale data and noise
    const zu = Float32Array.from([-1.0, 0.3, 1.7, 0.05]);
    for (const t of [1.5708, 1.3, 0.6]) {
      const xt = x0u.map((a, k) => sd * (Math.cos(t) * a + Math.sin(t) * zu[k]));
      const { input, timestep: r } = scmModelInput(xt, t, sd);
      for (let k = 0; k < 4; k++) expect(input[k]).toBeCloseTo((1 - r) * x0u[k] + r * zu[k], 5);
      const v = zu.map((b, k) => b - x0u[k]);
      const F = scmModelOutput(v, input, r, sd);
      const { denoised } = scmStep(createScmState(SANA_SPRINT_SCM, 1, { maxTimesteps: t }), F, xt);
      for (let k = 0; k < 4; k++) expect(denoised[k]).toBeCloseTo(sd * x0u[k], 5);
      const out = scmFinalLatents(denoised, sd);
      for (let k = 0; k < 4; k++) expect(out[k]).toBeCloseTo(x0u[k], 5);
    }
    expect(Array.from(scmInitialLatents(Float32Array.from([2, -4]), 0.5))).toEqual([1, -2]);
  });
  it('rejects a bad sigma_data and mismatched lengths', () => {
    expect(() => scmModelInput(new Float32Array(2), 1, 0)).toThrow(/sigmaData/);
    expect(() => scmModelOutput(new Float32Array(2), new Float32Array(3), 0.5, 0.5)).toThrow(ArgumentError);
  });
});
