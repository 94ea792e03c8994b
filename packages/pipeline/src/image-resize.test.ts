import { describe, expect, it } from 'vitest';
import { ArgumentError, randn } from '@sana/core';
import { denormalize, type ImageDims, resizeAndCropTensor, toRgba } from './image-resize.js';

// Independent double-precision bilinear (align_corners=False, no antialias), written from the formula
// src = max((i + 0.5) * in / out - 0.5, 0), to check the float32 kernel's semantics on odd sizes.
function naiveResize(x: ArrayLike<number>, H: number, W: number, RH: number, RW: number): number[][] {
  const tap = (i: number, n: number, m: number): [number, number, number] => {
    if (n === m) return [i, i, 0];
    const s = Math.max(((i + 0.5) * n) / m - 0.5, 0);
    const a = Math.min(Math.floor(s), n - 1);
    return [a, Math.min(a + 1, n - 1), s - a];
  };
  const out: number[][] = [];
  for (let y = 0; y < RH; y++) {
    const [h0, h1, lh] = tap(y, H, RH);
    const row: number[] = [];
    for (let xx = 0; xx < RW; xx++) {
      const [w0, w1, lw] = tap(xx, W, RW);
      const top = (1 - lw) * x[h0 * W + w0] + lw * x[h0 * W + w1];
      const bot = (1 - lw) * x[h1 * W + w0] + lw * x[h1 * W + w1];
      row.push((1 - lh) * top + lh * bot);
    }
    out.push(row);
  }
  return out;
}

describe('resizeAndCropTensor', () => {
  it('upsamples 2x2 -> 4x4 with the align_corners=False weights', () => {
    // scale 0.5: src = 0.5 * i - 0.25 -> [-0.25 (clamped to 0), 0.25, 0.75, 1.25 (i0 = i1 = 1)],
    // so a row [a, b] becomes [a, 0.75a + 0.25b, 0.25a + 0.75b, b]; rows combine the same way.
    const { data, dims } = resizeAndCropTensor(new Float32Array([0, 1, 2, 3]), [1, 1, 2, 2], 4, 4);
    expect(dims).toEqual([1, 1, 4, 4]);
    expect(Array.from(data)).toEqual([
      0, 0.25, 0.75, 1,
      0.5, 0.75, 1.25, 1.5,
      1.5, 1.75, 2.25, 2.5,
      2, 2.25, 2.75, 3,
    ]);
  });

  it('resizes to cover, then center-crops the longer side', () => {
    // [1, 1, 2, 4] -> 4x4: ratio = max(4/2, 4/4) = 2, resized to 4x8, columns [2, 6) kept.
    // Width taps for output columns 2..5: src 0.75, 1.25, 1.75, 2.25 -> on the row [0, 1, 4, 9]:
    // 0.25*0 + 0.75*1 = 0.75, 0.75*1 + 0.25*4 = 1.75, 0.25*1 + 0.75*4 = 3.25, 0.75*4 + 0.25*9 = 5.25.
    // Second input row is the first + 10; rows mix as r0, 0.75r0 + 0.25r1, 0.25r0 + 0.75r1, r1.
    const img = new Float32Array([0, 1, 4, 9, 10, 11, 14, 19]);
    const { data, dims } = resizeAndCropTensor(img, [1, 1, 2, 4], 4, 4);
    expect(dims).toEqual([1, 1, 4, 4]);
    const row = [0.75, 1.75, 3.25, 5.25];
    expect(Array.from(data)).toEqual([...row, ...row.map((v) => v + 2.5), ...row.map((v) => v + 7.5), ...row.map((v) => v + 10)]);
  });

  it('crops rows centered with floor division', () => {
    // [1, 1, 3, 1] -> 2x2: ratio = max(2/3, 2/1) = 2, resized to 6x2, rows [2, 4) kept.
    // Row taps: scale 0.5, src = 0.5*i - 0.25 -> i=2: 0.75 (rows 0,1), i=3: 1.25 (rows 1,2).
    const { data, dims } = resizeAndCropTensor(new Float32Array([0, 4, 16]), [1, 1, 3, 1], 2, 2);
    expect(dims).toEqual([1, 1, 2, 2]);
    expect(Array.from(data)).toEqual([3, 3, 7, 7]); // 0.25*0 + 0.75*4 = 3; 0.75*4 + 0.25*16 = 7
  });

  it('downsamples by sampling, without antialias', () => {
    // 6x6 -> 2x2, scale 3: src = 3*(i + 0.5) - 0.5 = 3i + 1 -> picks rows/cols 1 and 4 exactly (λ = 0).
    // An antialiased resize would average 3x3 blocks instead.
    const img = new Float32Array(36).map((_, k) => k * k);
    const { data } = resizeAndCropTensor(img, [1, 1, 6, 6], 2, 2);
    expect(Array.from(data)).toEqual([7 * 7, 10 * 10, 25 * 25, 28 * 28]);
  });

  it('keeps batch and channel planes apart', () => {
    const img = new Float32Array([0, 1, 2, 3, 10, 10, 10, 10, -1, -1, -1, -1]);
    const { data, dims } = resizeAndCropTensor(img, [3, 1, 2, 2], 4, 4);
    expect(dims).toEqual([3, 1, 4, 4]);
    expect(data[5]).toBe(0.75);
    expect(Array.from(data.subarray(16, 32))).toEqual(new Array(16).fill(10));
    expect(Array.from(data.subarray(32))).toEqual(new Array(16).fill(-1));
  });

  it('returns the input untouched when the size already matches', () => {
    const img = new Float32Array([1, 2, 3, 4]);
    const out = resizeAndCropTensor(img, [1, 1, 2, 2], 2, 2);
    expect(out.data).toBe(img);
    expect(out.dims).toEqual([1, 1, 2, 2]);
  });

  it('agrees with a double-precision reference on odd sizes (resize + crop)', () => {
    const cases: [ImageDims, number, number][] = [
      [[1, 2, 5, 7], 9, 4], // upsample rows, crop columns
      [[2, 1, 7, 3], 2, 5], // downsample
      [[1, 1, 13, 11], 17, 19],
      [[1, 3, 8, 8], 8, 5], // one axis same size (identity taps), crop the other
    ];
    for (const [dims, newW, newH] of cases) {
      const [B, C, H, W] = dims;
      const img = randn([B, C, H, W], 7);
      const { data, dims: od } = resizeAndCropTensor(img, dims, newW, newH);
      expect(od).toEqual([B, C, newH, newW]);
      const ratio = Math.max(newH / H, newW / W);
      const RH = Math.trunc(H * ratio);
      const RW = Math.trunc(W * ratio);
      const sy = Math.floor((RH - newH) / 2);
      const sx = Math.floor((RW - newW) / 2);
      let maxErr = 0;
      for (let p = 0; p < B * C; p++) {
        const ref = naiveResize(img.subarray(p * H * W, (p + 1) * H * W), H, W, RH, RW);
        for (let y = 0; y < newH; y++) {
          for (let x = 0; x < newW; x++) {
            maxErr = Math.max(maxErr, Math.abs(data[p * newH * newW + y * newW + x] - ref[sy + y][sx + x]));
          }
        }
      }
      expect(maxErr).toBeLessThan(2e-6);
    }
  });

  it('returns the requested size where diffusers returns one row (diffusers#8911)', () => {
    // 832x1152 -> 960x1280: ratio = 960/832, and int(832 * ratio) = 959 in doubles.
    expect(Math.trunc(832 * (960 / 832))).toBe(959);
    const img = new Float32Array(832 * 1152).fill(0.25);
    const { data, dims } = resizeAndCropTensor(img, [1, 1, 832, 1152], 1280, 960);
    expect(dims).toEqual([1, 1, 960, 1280]);
    expect(data.length).toBe(960 * 1280);
    expect(data.every((v) => v === 0.25)).toBe(true);
  });

  it('rejects bad dims and sizes with ArgumentError', () => {
    const img = new Float32Array(4);
    expect(() => resizeAndCropTensor(img, [1, 1, 2, 3], 4, 4)).toThrow(/image: has 4 values/);
    expect(() => resizeAndCropTensor(img, [1, 1, 2, 2], 0, 4)).toThrow(/newWidth/);
    expect(() => resizeAndCropTensor(img, [1, 1, 2, 2], 4, 2.5)).toThrow(/newHeight/);
    expect(() => resizeAndCropTensor(img, [1, 1, 4] as unknown as ImageDims, 4, 4)).toThrow(ArgumentError);
  });
});

describe('denormalize', () => {
  it('maps [-1, 1] to [0, 1] and clamps', () => {
    expect(Array.from(denormalize(new Float32Array([-1, 0, 0.5, 1, -3, 3, -0.25])))).toEqual([0, 0.5, 0.75, 1, 0, 1, 0.375]);
  });
  it('rounds like two float32 ops and keeps NaN', () => {
    const x = Math.fround(0.1);
    expect(denormalize(new Float32Array([x]))[0]).toBe(Math.fround(Math.fround(x * 0.5) + 0.5));
    expect(Number.isNaN(denormalize(new Float32Array([Number.NaN]))[0])).toBe(true);
  });
});

describe('toRgba', () => {
  it('interleaves NCHW planes into RGBA with opaque alpha', () => {
    // [1, 3, 1, 2]: R = [1, 0], G = [0, 1], B = [0.2, 0.4].
    const [px] = toRgba(new Float32Array([1, 0, 0, 1, 0.2, 0.4]), [1, 3, 1, 2]);
    // 0.2f * 255 = 51.0000007 -> 51; 0.4f * 255 = 102.0000015 -> 102.
    expect(Array.from(px)).toEqual([255, 0, 51, 255, 0, 255, 102, 255]);
  });

  it('rounds half to even like numpy, after the float32 multiply', () => {
    // float32(k.5 / 255) * 255 rounds back to exactly k.5 in float32 for these k, so each is a true tie:
    // 0.5 -> 0, 2.5 -> 2, 3.5 -> 4, 127.5 -> 128 (Math.round would give 1, 3, 4, 128).
    const ties = [0.5, 2.5, 3.5, 127.5].map((t) => Math.fround(t / 255));
    for (const [v, t] of ties.map((v, i) => [v, [0.5, 2.5, 3.5, 127.5][i]])) expect(Math.fround(v * 255)).toBe(t);
    const img = new Float32Array([...ties, ...ties, ...ties]); // R = G = B
    const [px] = toRgba(img, [1, 3, 1, 4]);
    expect([px[0], px[4], px[8], px[12]]).toEqual([0, 2, 4, 128]);
    // Not a tie: 0.25 * 255 = 63.75 -> 64.
    expect(toRgba(new Float32Array([0.25, 0.25, 0.25]), [1, 3, 1, 1])[0][0]).toBe(64);
  });

  it('clamps out-of-range values and maps NaN to 0', () => {
    const [px] = toRgba(new Float32Array([-0.5, 1.5, Number.NaN]), [1, 3, 1, 1]);
    expect(Array.from(px)).toEqual([0, 255, 0, 255]);
  });

  it('returns one buffer per batch image', () => {
    const img = new Float32Array(2 * 3 * 2 * 2);
    img.fill(1, 12); // second image white
    const out = toRgba(img, [2, 3, 2, 2]);
    expect(out).toHaveLength(2);
    expect(Array.from(out[0])).toEqual([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
    expect(Array.from(out[1])).toEqual(new Array(16).fill(255));
  });

  it('rejects non-RGB input', () => {
    expect(() => toRgba(new Float32Array(4), [1, 4, 1, 1])).toThrow(/3 channels/);
  });
});
