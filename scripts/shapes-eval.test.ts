// The sana-shapes harness end to end on the embedded model: it loads, generates, and the evaluator scores.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
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
});
