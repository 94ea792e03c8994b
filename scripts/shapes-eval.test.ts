// The sana-shapes harness end to end on the embedded model: it loads, generates, and the evaluator scores.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { SanaPipeline } from '@sana/pipeline';
import { evaluateImage } from '@sana/scenes';
import { SAMPLER_TABLE, SHAPES_MODEL, accuracyOf, evalPromptSet, formatTable, groundTruthAccuracy, loadShapesModel } from './shapes-eval.js';

describe('sana-shapes eval harness', () => {
  it('the evaluator is exact on the rendered scenes of the eval prompts', () => {
    const r = groundTruthAccuracy(evalPromptSet(60));
    expect(r.prompts).toBe(60);
    expect(r.accuracy).toBe(1);
  });

  it('runs the embedded model through the pipeline and scores it (Flow-DPM and Flow-Euler)', async () => {
    expect(existsSync(`${SHAPES_MODEL}/model_index.json`)).toBe(true);
    const parts = await loadShapesModel({ threads: 2 });
    const prompts = evalPromptSet(6);
    const rows = [];
    for (const s of [SAMPLER_TABLE[0], SAMPLER_TABLE[4]]) {
      const r = await accuracyOf(parts, { ...s, steps: 2 }, prompts);
      expect(r.prompts).toBe(6);
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.accuracy).toBeLessThanOrEqual(1);
      rows.push(r);
    }
    expect(formatTable(rows)).toContain('| flow-euler 10 |');
  });

  // The README's first command (`sana generate "a red circle left of a blue square"`, the CLI's defaults: seed 0,
  // 20 steps, guidance 4.5) must draw what it asks: a retrained model that loses it fails here, not in a user's hands.
  it("draws the README's prompt so that the evaluator scores it correct", async () => {
    const prompt = 'a red circle left of a blue square';
    const pipe = new SanaPipeline(await loadShapesModel({ threads: 2 }));
    const { images } = await pipe.generate({ prompt, seed: 0, steps: 20, guidanceScale: 4.5 });
    const e = evaluateImage(prompt, images[0]);
    expect(e.failures).toEqual([]);
    expect(e.correct).toBe(true);
  });
});
