import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import { polygonSdf, renderScene } from './render.js';
import { sampleScene } from './scene.js';

describe('renderScene', () => {
  it('draws the objects in their colors on the background (pinned; training/shapes_data.py ports this)', () => {
    const { scene } = sampleScene(2); // a red circle right of a blue square on white
    const img = renderScene(scene, 128);
    expect(img.width).toBe(128);
    expect(img.rgba.length).toBe(128 * 128 * 4);
    const at = (x: number, y: number) => Array.from(img.rgba.slice(4 * (Math.floor(y * 128) * 128 + Math.floor(x * 128)), 4 * (Math.floor(y * 128) * 128 + Math.floor(x * 128)) + 4));
    expect(at(scene.objects[0].cx, scene.objects[0].cy)).toEqual([220, 40, 40, 255]);
    expect(at(scene.objects[1].cx, scene.objects[1].cy)).toEqual([40, 90, 220, 255]);
    expect(at(0, 0)).toEqual([250, 250, 250, 255]);
    let sum = 0;
    for (const v of img.rgba) sum += v;
    expect(sum).toBe(15886973);
  });

  it('anti-aliases edges over about one pixel', () => {
    const img = renderScene({ background: 'black', objects: [{ shape: 'circle', color: 'red', size: 'medium', cx: 0.5, cy: 0.5, r: 0.25 }] }, 64);
    const row = Array.from({ length: 64 }, (_, x) => img.rgba[4 * (32 * 64 + x)]);
    const partial = row.filter((v) => v > 15 && v < 220).length;
    expect(partial).toBeGreaterThanOrEqual(2);
    expect(partial).toBeLessThanOrEqual(4);
  });

  it('polygonSdf is negative inside and measures the distance outside', () => {
    const vx = [0, 10, 10, 0];
    const vy = [0, 0, 10, 10];
    expect(polygonSdf(5, 5, vx, vy)).toBeCloseTo(-5);
    expect(polygonSdf(13, 5, vx, vy)).toBeCloseTo(3);
    expect(polygonSdf(13, 14, vx, vy)).toBeCloseTo(5);
  });

  it('rejects bad sizes and names with ArgumentError', () => {
    const { scene } = sampleScene(1);
    expect(() => renderScene(scene, 3)).toThrow(ArgumentError);
    expect(() => renderScene({ ...scene, background: 'pink' as never })).toThrow(/background/);
    expect(() => renderScene({ ...scene, objects: [{ ...scene.objects[0], shape: 'hexagon' as never }] })).toThrow(/shape/);
  });
});
