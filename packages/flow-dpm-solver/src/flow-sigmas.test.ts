import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import { calculateShift, flowDpmSchedule, flowSigmas, shiftSigma } from './flow-sigmas.js';
import { linspaceF32, linspaceF64 } from './numeric.js';

describe('linspace', () => {
  it('follows numpy: i * step + start, exact end point, one value = start', () => {
    expect(Array.from(linspaceF64(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(linspaceF64(1, 0.001, 1))).toEqual([1]);
    const y = linspaceF64(1, 0.001, 8);
    expect(y[7]).toBe(0.001);
    expect(y[3]).toBe(3 * ((0.001 - 1) / 7) + 1);
  });
  it('follows torch float32: the second half counts back from the end', () => {
    const y = linspaceF32(1.5708, 0, 5);
    expect(y[4]).toBe(0);
    expect(y[0]).toBe(Math.fround(1.5708));
    const step = Math.fround(Math.fround(0 - Math.fround(1.5708)) / 4);
    expect(y[3]).toBe(Math.fround(-Math.fround(step * 1)));
  });
});

describe('flowSigmas', () => {
  it('is the shifted linear grid, noisiest first, ending with 0', () => {
    const s = flowSigmas(4, 3);
    expect(s.length).toBe(5);
    expect(s[4]).toBe(0);
    const grid = linspaceF64(1, 0.001, 5).map((a) => 1 - a);
    for (let i = 0; i < 4; i++) expect(s[i]).toBe((3 * grid[4 - i]) / (1 + 2 * grid[4 - i]));
    for (let i = 0; i < 4; i++) expect(s[i]).toBeGreaterThan(s[i + 1]);
  });
  it('is the plain linear grid for shift 1 and pushes toward noise for shift > 1', () => {
    expect(flowSigmas(2, 1)[1]).toBeCloseTo(0.4995, 12);
    expect(flowSigmas(2, 3)[1]).toBeGreaterThan(flowSigmas(2, 1)[1]);
    expect(shiftSigma(0.5, 3)).toBe(0.75);
  });
  it('gives integer timesteps truncated from sigma * 1000 and float32 sigmas', () => {
    const { timesteps, sigmas } = flowDpmSchedule(3, 3);
    expect(Array.from(timesteps)).toEqual([999, 856, 599]);
    expect(sigmas[1]).toBe(Math.fround(flowSigmas(3, 3)[1]));
  });
  it('rejects zero, negative or fractional steps and a shift <= 0', () => {
    expect(() => flowSigmas(0, 3)).toThrow(ArgumentError);
    expect(() => flowSigmas(-2, 3)).toThrow(/steps/);
    expect(() => flowSigmas(2.5, 3)).toThrow(ArgumentError);
    expect(() => flowSigmas(10, 0)).toThrow(ArgumentError);
    expect(() => flowSigmas(10, -1)).toThrow(/shift/);
    expect(() => flowSigmas(10, NaN)).toThrow(ArgumentError);
  });
});

describe('calculateShift', () => {
  it('is linear between the base and max sequence lengths', () => {
    expect(calculateShift(256)).toBeCloseTo(0.5, 12);
    expect(calculateShift(4096)).toBeCloseTo(1.15, 12);
  });
});
