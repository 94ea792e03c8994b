import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import { colorOfHue, convexHullArea, detectBackground, detectObjects, shapeOf } from './segment.js';
import { renderScene } from './render.js';
import { COLOR_NAMES, SHAPE_NAMES, SIZES, type ColorName, type ShapeName } from './vocabulary.js';

const one = (shape: ShapeName, color: ColorName, r: number, background: 'white' | 'gray' | 'black' = 'white') =>
  renderScene({ background, objects: [{ shape, color, size: 'medium', cx: 0.5, cy: 0.5, r }] });

describe('detectObjects', () => {
  it('finds every shape in every color at every size, on every background', () => {
    for (const shape of SHAPE_NAMES) {
      for (const [i, color] of COLOR_NAMES.entries()) {
        const bg = (['white', 'gray', 'black'] as const)[i % 3];
        for (const r of Object.values(SIZES)) {
          const d = detectObjects(one(shape, color, r, bg));
          expect(d.map((x) => `${x.color} ${x.shape}`)).toEqual([`${color} ${shape}`]);
          expect(d[0].cx).toBeCloseTo(0.5, 1);
        }
      }
    }
  });

  it('gives the contour features of the ideal shapes', () => {
    const f = (s: ShapeName) => detectObjects(one(s, 'blue', 0.1))[0];
    expect(f('square').fill).toBeGreaterThan(0.97);
    expect(f('circle').fill).toBeCloseTo(Math.PI / 4, 1);
    expect(f('triangle').fill).toBeCloseTo(0.5, 1);
    expect(f('star').solidity).toBeLessThan(0.65);
    expect(f('triangle').solidity).toBeGreaterThan(0.9);
  });

  it('ignores specks and reads the background', () => {
    const img = one('circle', 'red', 0.1, 'gray');
    const rgba = Uint8ClampedArray.from(img.rgba);
    rgba.set([0, 0, 255, 255], 4 * 10); // one blue pixel
    for (let x = 0; x < img.width; x++) rgba.set([240, 220, 20, 255], 4 * (img.height - 1) * img.width + 4 * x); // a yellow line along the border
    for (let y = 0; y < img.height; y++) rgba.set([240, 220, 20, 255], 4 * (y * img.width + img.width - 1));
    expect(detectObjects({ ...img, rgba }).map((d) => d.color)).toEqual(['red']);
    expect(detectBackground(img)).toBe('gray');
    expect(detectBackground(one('star', 'yellow', 0.1, 'black'))).toBe('black');
  });

  it('rejects a malformed image', () => {
    expect(() => detectObjects({ width: 4, height: 4, rgba: new Uint8ClampedArray(3) })).toThrow(ArgumentError);
  });
});

describe('helpers', () => {
  it('colorOfHue and shapeOf', () => {
    expect(colorOfHue(2)).toBe('red');
    expect(colorOfHue(355)).toBe('red');
    expect(colorOfHue(230)).toBe('blue');
    expect(shapeOf(0.99, 0.99)).toBe('square');
    expect(shapeOf(0.78, 0.98)).toBe('circle');
    expect(shapeOf(0.5, 0.97)).toBe('triangle');
    expect(shapeOf(0.4, 0.56)).toBe('star');
  });

  it('convexHullArea of a square with an inner point', () => {
    expect(convexHullArea([0, 2, 2, 0, 1], [0, 0, 2, 2, 1])).toBe(4);
  });
});
