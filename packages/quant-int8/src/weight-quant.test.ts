import { describe, expect, it } from 'vitest';
import { randn } from '@sana/core';
import { QMAX, quantizeBlockwise, quantizePerChannel } from './weight-quant.js';

describe('per-channel symmetric INT8', () => {
  it('reconstructs each weight within half a step of its channel', () => {
    const [k, n] = [37, 11];
    const w = randn([k, n], 7);
    const { q, scale } = quantizePerChannel(w, k, n);
    for (let i = 0; i < k; i++) for (let o = 0; o < n; o++) {
      expect(Math.abs(q[i * n + o] * scale[o] - w[i * n + o])).toBeLessThanOrEqual(scale[o] / 2 + 1e-7);
    }
    // The largest magnitude of each channel maps to +-127 exactly.
    for (let o = 0; o < n; o++) {
      let m = 0;
      for (let i = 0; i < k; i++) m = Math.max(m, Math.abs(q[i * n + o]));
      expect(m).toBe(QMAX);
    }
  });

  it('is symmetric and keeps an all-zero channel at zero', () => {
    const w = Float32Array.from([1, 0, -1, 0, 0.5, 0]); // [3, 2], channel 1 all zero
    const { q, scale } = quantizePerChannel(w, 3, 2);
    expect(Array.from(q)).toEqual([127, 0, -127, 0, 64, 0]);
    expect(scale[1]).toBe(1);
  });
});

describe('block-wise INT8 (MatMulNBits layout)', () => {
  it('stores [N, blocks, bs] codes + 128 with one scale per block, the tail padded with 128', () => {
    const [k, n, bs] = [20, 3, 16];
    const w = randn([k, n], 8);
    const { packed, scales, kBlocks } = quantizeBlockwise(w, k, n, bs);
    expect(kBlocks).toBe(2);
    expect(packed.length).toBe(n * kBlocks * bs);
    for (let o = 0; o < n; o++) {
      for (let i = 0; i < k; i++) {
        const b = Math.floor(i / bs);
        const code = packed[(o * kBlocks + b) * bs + (i % bs)] - 128;
        expect(Math.abs(code * scales[o * kBlocks + b] - w[i * n + o])).toBeLessThanOrEqual(scales[o * kBlocks + b] / 2 + 1e-7);
      }
      for (let i = k; i < kBlocks * bs; i++) expect(packed[(o * kBlocks + 1) * bs + (i % bs)]).toBe(128);
    }
  });
});
