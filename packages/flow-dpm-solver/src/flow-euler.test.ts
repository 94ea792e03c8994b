import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import { createFlowEulerState, flowEulerSchedule, flowEulerStep } from './flow-euler.js';
import { SANA_FLOW_EULER, type FlowEulerConfig } from './scheduler-config.js';

const cfg = (patch: Partial<FlowEulerConfig> = {}): FlowEulerConfig => ({ ...SANA_FLOW_EULER, ...patch });

describe('Flow-Euler schedule', () => {
  it('starts at sigma 1, ends on the twice-shifted last training sigma, then 0', () => {
    const { timesteps, sigmas } = flowEulerSchedule(cfg(), 3);
    expect(Array.from(timesteps)).toEqual([1000, 751.12109375, 8.928571701049805]);
    expect(sigmas.length).toBe(4);
    expect(sigmas[0]).toBe(1);
    expect(sigmas[3]).toBe(0);
    const once = (3 * 0.001) / (1 + 2 * 0.001);
    expect(sigmas[2]).toBeCloseTo((3 * once) / (1 + 2 * once), 6);
  });
  it('uses mu with dynamic shifting and requires it', () => {
    const c = cfg({ useDynamicShifting: true });
    expect(() => flowEulerSchedule(c, 4)).toThrow(/mu/);
    const s = flowEulerSchedule(c, 4, { mu: Math.log(3) }).sigmas;
    const t = flowEulerSchedule(cfg({ useDynamicShifting: true, timeShiftType: 'linear' }), 4, { mu: 3 }).sigmas;
    // exp(log 3) = 3: the exponential shift with mu = log 3 is the linear one with mu = 3
    for (let i = 0; i < 5; i++) expect(s[i]).toBeCloseTo(t[i], 6);
    expect(s[1]).toBeGreaterThan(flowEulerSchedule(c, 4, { mu: 0 }).sigmas[1]);
  });
  it('stretches the schedule to shift_terminal', () => {
    const { sigmas } = flowEulerSchedule(cfg({ shiftTerminal: 0.1 }), 5);
    expect(sigmas[4]).toBeCloseTo(0.1, 6);
    expect(sigmas[5]).toBe(0);
  });
  it('rejects bad steps and shifts', () => {
    expect(() => flowEulerSchedule(cfg(), 0)).toThrow(ArgumentError);
    expect(() => flowEulerSchedule(cfg({ shift: -1 }), 4)).toThrow(/shift/);
  });
});

describe('Flow-Euler step', () => {
  it('moves along the velocity by sigma_next - sigma and reaches x0 for a straight path', () => {
    const x0 = Float32Array.from([0.5, -1]);
    const z = Float32Array.from([1, 2]);
    const v = z.map((b, k) => b - x0[k]);
    let state = createFlowEulerState(cfg(), 4);
    let x: Float32Array = Float32Array.from(z);
    while (state.stepIndex < 4) ({ sample: x, state } = flowEulerStep(state, v, x));
    for (let k = 0; k < 2; k++) expect(x[k]).toBeCloseTo(x0[k], 6);
  });
  it('rejects a model output of the wrong length and a finished schedule', () => {
    const state = createFlowEulerState(cfg(), 1);
    expect(() => flowEulerStep(state, new Float32Array(2), new Float32Array(3))).toThrow(ArgumentError);
    const done = flowEulerStep(state, new Float32Array(3), new Float32Array(3)).state;
    expect(() => flowEulerStep(done, new Float32Array(3), new Float32Array(3))).toThrow(/finished/);
  });
});
