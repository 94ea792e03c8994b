import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import { DIT_KEEP_FLOAT, compilePattern, matchPattern } from './policy.js';

describe('keep-float patterns', () => {
  it('globs match whole names, * spans dots and slashes', () => {
    const re = compilePattern('*.attn2.to_k');
    expect(re.test('transformer_blocks.3.attn2.to_k')).toBe(true);
    expect(re.test('transformer_blocks.3.attn2.to_k_extra')).toBe(false);
    expect(re.test('transformer_blocks.3.attn1.to_k')).toBe(false);
    expect(compilePattern('transformer_blocks.*/to_q/MatMul').test('transformer_blocks.3.attn1/to_q/MatMul')).toBe(true);
  });

  it('dots in a glob are literal', () => {
    expect(compilePattern('a.b').test('axb')).toBe(false);
  });

  it('the DiT default keeps exactly the cross-attention K/V projections', () => {
    const ps = DIT_KEEP_FLOAT.map(compilePattern);
    expect(matchPattern(ps, ['transformer_blocks.27.attn2.to_v'])).toBeDefined();
    expect(matchPattern(ps, ['transformer_blocks.0.attn2.to_q'])).toBeUndefined();
    expect(matchPattern(ps, ['transformer_blocks.0.attn1.to_k'])).toBeUndefined();
    expect(matchPattern(ps, ['transformer_blocks.0.ff.conv_inverted'])).toBeUndefined();
  });

  it('RegExps are used as given; empty patterns are refused', () => {
    expect(matchPattern([compilePattern(/proj_out/)], ['x/proj_out/MatMul'])).toBeDefined();
    expect(() => compilePattern('')).toThrow(ArgumentError);
  });
});
