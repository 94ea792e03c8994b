import { describe, expect, it } from 'vitest';
import { evaluateImage } from './evaluate.js';
import { renderScene } from './render.js';
import { sampleScene } from './scene.js';

describe('evaluateImage', () => {
  it('scores at least 98 % on rendered ground-truth scenes (all six families)', () => {
    let ok = 0;
    const n = 150;
    for (let seed = 0; seed < n; seed++) {
      const { caption, scene } = sampleScene(seed);
      const e = evaluateImage(caption, renderScene(scene));
      if (e.correct) ok++;
      else console.warn(seed, caption, e.failures);
    }
    expect(ok / n).toBeGreaterThanOrEqual(0.98);
  });

  it('fails an image against a prompt it does not show', () => {
    const { scene } = sampleScene(2); // a red circle right of a blue square on a white background
    const img = renderScene(scene);
    expect(evaluateImage('a red circle right of a blue square on a white background', img).correct).toBe(true);
    const wrong = {
      relation: 'a red circle left of a blue square',
      color: 'a green circle right of a blue square',
      shape: 'a red star right of a blue square',
      background: 'a red circle right of a blue square on a black background',
      count: 'two red circles',
      position: 'a red circle on the left',
    };
    for (const [what, prompt] of Object.entries(wrong)) {
      const e = evaluateImage(prompt, img);
      expect(e.correct, what).toBe(false);
      expect(e.failures.length, what).toBeGreaterThan(0);
    }
  });

  it('allows objects that were not asked for, except when counting', () => {
    const { scene } = sampleScene(2);
    const img = renderScene(scene);
    expect(evaluateImage('a blue square', img).correct).toBe(true);
    expect(evaluateImage('a red circle on the right', img).correct).toBe(true);
    expect(evaluateImage('two blue squares', img).correct).toBe(false);
  });

  it('ignoreShape (a diagnostic) matches by color alone', () => {
    const img = renderScene(sampleScene(2).scene);
    expect(evaluateImage('a red star right of a blue triangle', img).correct).toBe(false);
    expect(evaluateImage('a red star right of a blue triangle', img, { ignoreShape: true }).correct).toBe(true);
    expect(evaluateImage('a red star left of a blue triangle', img, { ignoreShape: true }).correct).toBe(false);
  });
});
