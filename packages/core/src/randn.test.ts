import { describe, expect, it } from 'vitest';
import { MT19937, randn } from './randn.js';

describe('MT19937', () => {
  it('gives the reference sequence for the default seed 5489', () => {
    const g = new MT19937(5489);
    expect([g.next(), g.next(), g.next()]).toEqual([3499211612, 581869302, 3890346734]);
  });
  it('gives the 10000th output of std::mt19937 for seed 5489', () => {
    const g = new MT19937(5489);
    let v = 0;
    for (let i = 0; i < 10000; i++) v = g.next();
    expect(v).toBe(4123659995);
  });
});

describe('randn', () => {
  it('is deterministic per seed and standard normal in distribution', () => {
    const a = randn([4096], 7);
    expect(randn([4096], 7)).toEqual(a);
    expect(randn([4096], 8)).not.toEqual(a);
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    const variance = a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.06);
    expect(Math.abs(variance - 1)).toBeLessThan(0.08);
  });
});
