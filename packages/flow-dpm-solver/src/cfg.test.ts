import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import { cfgCombine, cfgCombineBatched } from './cfg.js';

describe('cfgCombine', () => {
  it('is uncond + scale * (cond - uncond)', () => {
    const u = Float32Array.from([1, -2, 0.5]);
    const c = Float32Array.from([3, -2, 0]);
    expect(Array.from(cfgCombine(u, c, 4.5))).toEqual([10, -2, -1.75]);
    expect(Array.from(cfgCombine(u, c, 1))).toEqual(Array.from(c));
    expect(Array.from(cfgCombine(u, c, 0))).toEqual(Array.from(u));
  });
  it('splits a [2B, ...] batch as [uncond..., cond...]', () => {
    const batched = Float32Array.from([1, 2, 5, 4]); // B = 1 with 2 values: uncond [1, 2], cond [5, 4]
    expect(Array.from(cfgCombineBatched(batched, 2))).toEqual([9, 6]);
  });
  it('rejects mismatched halves, an odd batch and a non-finite scale', () => {
    expect(() => cfgCombine(new Float32Array(3), new Float32Array(4), 2)).toThrow(ArgumentError);
    expect(() => cfgCombineBatched(new Float32Array(5), 2)).toThrow(/even/);
    expect(() => cfgCombine(new Float32Array(3), new Float32Array(3), NaN)).toThrow(/guidanceScale/);
  });
});
