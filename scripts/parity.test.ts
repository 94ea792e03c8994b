// Runs every parity group on the vendored fixtures: the suite fails when any tensor is out of tolerance.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { openFixture, ParityReport } from '@sana/core';
import { parityGroups } from './parity-groups.js';

const vendored = fileURLToPath(new URL('../fixtures/reference', import.meta.url));
const dir = process.env.SANA_FIXTURES ?? vendored;

/**
 * Keys of the vendored fixture that no implementation of the reference can match: its `te.*` and
 * `prompt.*embeds` tensors were not produced from the checkpoint's own text-encoder weights — transformers
 * 5.17 itself, run on those weights, misses them by 1.03e-2 (fixtures/extra/README.md), and our graph
 * matches that recomputation to 2.8e-7 (the `text-encoder` group checks it). Each entry must still fail,
 * with an error near the one transformers itself shows; the day the fixture is regenerated, these entries
 * fail the suite and must be removed. Against any other fixture folder (SANA_FIXTURES) none applies.
 */
const KNOWN_FIXTURE_DEFECTS: Readonly<Record<string, readonly [number, number]>> = dir !== vendored ? {} : {
  'te.last_hidden_state': [5e-3, 2e-2],
  'te.long.last_hidden_state': [4e-3, 2e-2],
  'prompt.embeds': [5e-3, 4e-2],
  'prompt.neg_embeds': [5e-3, 4e-2],
  'prompt.nochi.embeds': [5e-3, 4e-2],
};

describe('parity with the reference fixtures', () => {
  for (const group of parityGroups) {
    it(group.name, async () => {
      const fx = await openFixture(dir);
      const report = new ParityReport();
      report.group = group.name;
      await group.run(fx, report);
      const failures = report.results
        .filter((r) => !r.pass && !(r.key in KNOWN_FIXTURE_DEFECTS))
        .map((r) => `${r.key}: err ${r.error} > tol ${r.tolerance} ${r.note ?? ''}`);
      expect(failures).toEqual([]);
      for (const r of report.results.filter((x) => x.key in KNOWN_FIXTURE_DEFECTS)) {
        const [lo, hi] = KNOWN_FIXTURE_DEFECTS[r.key];
        expect(r.pass, `${r.key} now passes: the fixture was fixed, remove it from KNOWN_FIXTURE_DEFECTS`).toBe(false);
        expect(r.error, `${r.key}: error outside the range of the fixture's own defect`).toBeGreaterThanOrEqual(lo);
        expect(r.error).toBeLessThanOrEqual(hi);
      }
      expect(report.results.length).toBeGreaterThan(0);
    });
  }
});
