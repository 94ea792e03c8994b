import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import {
  ASPECT_RATIO_512_BIN,
  ASPECT_RATIO_1024_BIN,
  ASPECT_RATIO_2048_BIN,
  ASPECT_RATIO_4096_BIN,
  type AspectRatioBin,
  binForSampleSize,
  classifyHeightWidthBin,
} from './resolution-bins.js';

// Key lists and sums read off the diffusers tables; they catch a dropped, reordered or mistyped row.
const KEYS_33 =
  '0.25,0.28,0.32,0.33,0.35,0.4,0.42,0.48,0.5,0.52,0.57,0.6,0.68,0.72,0.78,0.82,0.88,0.94,1.0,1.07,1.13,1.21,1.29,1.38,1.46,1.67,1.75,2.0,2.09,2.4,2.5,3.0,4.0';
const KEYS_40 =
  '0.25,0.26,0.27,0.28,0.32,0.33,0.35,0.4,0.42,0.48,0.5,0.52,0.57,0.6,0.68,0.72,0.78,0.82,0.88,0.94,1.0,1.07,1.13,1.21,1.29,1.38,1.46,1.67,1.75,2.0,2.09,2.4,2.5,2.89,3.0,3.11,3.62,3.75,3.88,4.0';

const sums = (bin: AspectRatioBin) =>
  Object.values(bin).reduce(([sh, sw], [h, w]) => [sh + h, sw + w], [0, 0]);

describe('aspect-ratio tables', () => {
  it('have the diffusers keys in the diffusers order', () => {
    expect(Object.keys(ASPECT_RATIO_512_BIN).join(',')).toBe(KEYS_33);
    expect(Object.keys(ASPECT_RATIO_1024_BIN).join(',')).toBe(KEYS_33);
    expect(Object.keys(ASPECT_RATIO_2048_BIN).join(',')).toBe(KEYS_40);
    expect(Object.keys(ASPECT_RATIO_4096_BIN).join(',')).toBe(KEYS_40);
  });

  it('match the diffusers values (spot rows and column sums)', () => {
    expect(ASPECT_RATIO_512_BIN['0.28']).toEqual([256, 928]);
    expect(ASPECT_RATIO_1024_BIN['0.57']).toEqual([768, 1344]);
    expect(ASPECT_RATIO_1024_BIN['2.09']).toEqual([1472, 704]);
    expect(ASPECT_RATIO_2048_BIN['2.89']).toEqual([3328, 1152]);
    expect(ASPECT_RATIO_4096_BIN['3.62']).toEqual([7424, 2048]);
    expect(ASPECT_RATIO_4096_BIN['1.0']).toEqual([4096, 4096]);
    expect(sums(ASPECT_RATIO_512_BIN)).toEqual([16608, 18752]);
    expect(sums(ASPECT_RATIO_1024_BIN)).toEqual([33216, 37504]);
    expect(sums(ASPECT_RATIO_2048_BIN)).toEqual([86912, 88192]);
    expect(sums(ASPECT_RATIO_4096_BIN)).toEqual([173824, 176384]);
  });

  it('double from one resolution to the next on shared keys', () => {
    const pairs: [AspectRatioBin, AspectRatioBin][] = [
      [ASPECT_RATIO_512_BIN, ASPECT_RATIO_1024_BIN],
      [ASPECT_RATIO_1024_BIN, ASPECT_RATIO_2048_BIN],
      [ASPECT_RATIO_2048_BIN, ASPECT_RATIO_4096_BIN],
    ];
    for (const [small, big] of pairs) {
      for (const [key, [h, w]] of Object.entries(small)) expect(big[key]).toEqual([2 * h, 2 * w]);
    }
  });

  it('are frozen', () => {
    expect(Object.isFrozen(ASPECT_RATIO_1024_BIN)).toBe(true);
    expect(Object.isFrozen(ASPECT_RATIO_1024_BIN['1.0'])).toBe(true);
  });
});

describe('binForSampleSize', () => {
  it('maps sample_size to the bin as SanaPipeline does', () => {
    expect(binForSampleSize(128)).toBe(ASPECT_RATIO_4096_BIN);
    expect(binForSampleSize(64)).toBe(ASPECT_RATIO_2048_BIN);
    expect(binForSampleSize(32)).toBe(ASPECT_RATIO_1024_BIN);
    expect(binForSampleSize(16)).toBe(ASPECT_RATIO_512_BIN);
  });

  it('rejects other sizes with an ArgumentError naming transformer.sample_size', () => {
    for (const bad of [8, 33, 0, -32, Number.NaN]) {
      expect(() => binForSampleSize(bad)).toThrow(ArgumentError);
      expect(() => binForSampleSize(bad)).toThrow(/transformer\.sample_size/);
    }
  });
});

describe('classifyHeightWidthBin', () => {
  it('returns the bin size itself for an exact square / exact key', () => {
    expect(classifyHeightWidthBin(1024, 1024, ASPECT_RATIO_1024_BIN)).toEqual([1024, 1024]);
    expect(classifyHeightWidthBin(1, 1, ASPECT_RATIO_4096_BIN)).toEqual([4096, 4096]);
    // 1070 / 1000 = 1.07 exactly as a key.
    expect(classifyHeightWidthBin(1070, 1000, ASPECT_RATIO_1024_BIN)).toEqual([1024, 960]);
  });

  it('snaps non-square sizes to the nearest ratio', () => {
    // 720 / 1280 = 0.5625: |0.57 - 0.5625| = 0.0075 < |0.52 - 0.5625| = 0.0425.
    expect(classifyHeightWidthBin(720, 1280, ASPECT_RATIO_1024_BIN)).toEqual([768, 1344]);
    expect(classifyHeightWidthBin(720, 1280, ASPECT_RATIO_512_BIN)).toEqual([384, 672]);
    expect(classifyHeightWidthBin(720, 1280, ASPECT_RATIO_2048_BIN)).toEqual([1536, 2688]);
    // 1280 / 720 = 1.777..: |1.75 - r| = 0.0278 < |1.67 - r| = 0.1078.
    expect(classifyHeightWidthBin(1280, 720, ASPECT_RATIO_1024_BIN)).toEqual([1344, 768]);
    // 1000 / 1035 = 0.9662: 0.94 is 0.0262 away, 1.0 is 0.0338 away.
    expect(classifyHeightWidthBin(1000, 1035, ASPECT_RATIO_1024_BIN)).toEqual([960, 1024]);
  });

  it('clamps ratios outside the table to the end keys', () => {
    expect(classifyHeightWidthBin(1, 10, ASPECT_RATIO_1024_BIN)).toEqual([512, 2048]); // 0.1 -> "0.25"
    expect(classifyHeightWidthBin(10, 1, ASPECT_RATIO_1024_BIN)).toEqual([2048, 512]); // 10 -> "4.0"
    expect(classifyHeightWidthBin(10, 1, ASPECT_RATIO_4096_BIN)).toEqual([8192, 2048]);
  });

  it('keeps the first key on an exact floating-point tie, like Python min()', () => {
    // 600 / 800 = 0.75; |0.72 - 0.75| and |0.78 - 0.75| are the same double (0.030000000000000027).
    expect(Math.abs(0.72 - 0.75)).toBe(Math.abs(0.78 - 0.75));
    expect(classifyHeightWidthBin(600, 800, ASPECT_RATIO_1024_BIN)).toEqual([832, 1152]);
    // 97 / 100 = 0.97 sits exactly between 0.94 and 1.0 in doubles too -> the first, 0.94.
    expect(Math.abs(0.94 - 0.97)).toBe(Math.abs(1.0 - 0.97));
    expect(classifyHeightWidthBin(97, 100, ASPECT_RATIO_1024_BIN)).toEqual([960, 1024]);
    // 13 / 40 = 0.325, a tie between 0.32 and 0.33 -> 0.32.
    expect(classifyHeightWidthBin(13, 40, ASPECT_RATIO_1024_BIN)).toEqual([576, 1792]);
  });

  it('decides a near tie by double rounding, not by the decimal midpoint', () => {
    // 1.035 is the decimal midpoint of 1.0 and 1.07, but in doubles |1.0 - 1.035| = 0.03499999999999992
    // and |1.07 - 1.035| = 0.03500000000000014, so diffusers (and we) pick 1.0.
    expect(Math.abs(1.0 - 1035 / 1000)).toBeLessThan(Math.abs(1.07 - 1035 / 1000));
    expect(classifyHeightWidthBin(1035, 1000, ASPECT_RATIO_1024_BIN)).toEqual([1024, 1024]);
  });

  it('rejects sizes that are not positive and empty tables', () => {
    expect(() => classifyHeightWidthBin(0, 512, ASPECT_RATIO_1024_BIN)).toThrow(/height/);
    expect(() => classifyHeightWidthBin(512, -1, ASPECT_RATIO_1024_BIN)).toThrow(/width/);
    expect(() => classifyHeightWidthBin(512, Number.POSITIVE_INFINITY, ASPECT_RATIO_1024_BIN)).toThrow(ArgumentError);
    expect(() => classifyHeightWidthBin(512, 512, {})).toThrow(/bin/);
  });
});
