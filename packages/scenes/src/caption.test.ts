import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import { parsePrompt, writeCaption } from './caption.js';
import { sampleScene } from './scene.js';

describe('captions', () => {
  it('reads back what it writes, for every family', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 600; seed++) {
      const { spec, caption } = sampleScene(seed);
      seen.add(spec.category);
      expect(parsePrompt(caption)).toEqual(spec);
      expect(writeCaption(parsePrompt(caption))).toBe(caption);
    }
    expect(seen.size).toBe(6);
  });

  it("parses the README's prompt", () => {
    expect(parsePrompt('a red circle left of a blue square')).toEqual({
      category: 'relation', relation: 'left of',
      objects: [{ count: 1, color: 'red', shape: 'circle' }, { count: 1, color: 'blue', shape: 'square' }],
    });
  });

  it('accepts case, extra spaces, "to the left of" and a final period', () => {
    const s = parsePrompt('  A Red  Circle to the left of a blue square. ');
    expect(s.relation).toBe('left of');
    expect(parsePrompt('an orange star at the top right on a black background')).toMatchObject({
      category: 'position', background: 'black', objects: [{ color: 'orange', shape: 'star', position: 'top right' }],
    });
    expect(parsePrompt('three small green stars').objects[0]).toEqual({ count: 3, size: 'small', color: 'green', shape: 'star' });
  });

  it('writes "an" before vowels', () => {
    expect(writeCaption({ category: 'single', objects: [{ count: 1, color: 'orange', shape: 'circle' }] })).toBe('an orange circle');
  });

  it('rejects text outside the grammar with an ArgumentError naming the prompt', () => {
    for (const bad of ['a cat', 'a pink circle', 'a red circle left of', 'a red circle and a red circle', 'two red circles left of a blue square']) {
      const e = (() => { try { parsePrompt(bad); } catch (err) { return err; } })();
      expect(e).toBeInstanceOf(ArgumentError);
      expect((e as ArgumentError).option).toBe('prompt');
    }
  });
});
