import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import { sampleScene } from './scene.js';
import { SHAPES } from './vocabulary.js';
import { atPosition, inRelation } from './evaluate.js';

describe('sampleScene', () => {
  it('is deterministic in the seed', () => {
    expect(sampleScene(123)).toEqual(sampleScene(123));
    expect(sampleScene(123).caption).not.toBe(sampleScene(124).caption);
  });

  it('keeps objects apart and inside the canvas', () => {
    for (let seed = 0; seed < 400; seed++) {
      const { scene } = sampleScene(seed);
      const b = scene.objects.map((o) => SHAPES[o.shape].bound * o.r);
      scene.objects.forEach((o, i) => {
        expect(o.cx - b[i]).toBeGreaterThan(0);
        expect(o.cx + b[i]).toBeLessThan(1);
        expect(o.cy - b[i]).toBeGreaterThan(0);
        expect(o.cy + b[i]).toBeLessThan(1);
        for (let j = i + 1; j < scene.objects.length; j++) {
          const p = scene.objects[j];
          expect(Math.hypot(o.cx - p.cx, o.cy - p.cy)).toBeGreaterThan(b[i] + b[j]);
        }
      });
    }
  });

  it('places objects where the caption says, with room to spare for the evaluator', () => {
    for (let seed = 0; seed < 300; seed++) {
      const pos = sampleScene(seed, { category: 'position' });
      const o = pos.scene.objects[0];
      expect(atPosition(o, pos.spec.objects[0].position!)).toBe(true);
      const rel = sampleScene(seed, { category: 'relation' });
      expect(inRelation(rel.scene.objects[0], rel.scene.objects[1], rel.spec.relation!)).toBe(true);
    }
  });

  it('draws counting scenes with identical objects', () => {
    const c = sampleScene(5, { category: 'counting' });
    expect(c.scene.objects.length).toBe(c.spec.objects[0].count);
    expect(new Set(c.scene.objects.map((o) => `${o.color} ${o.shape}`)).size).toBe(1);
  });

  it('rejects a bad seed or category', () => {
    expect(() => sampleScene(1.5)).toThrow(ArgumentError);
    expect(() => sampleScene(1, { category: 'nope' as never })).toThrow(/category/);
  });
});
