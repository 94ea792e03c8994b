// Runs every parity group on the vendored fixtures: the suite fails when any tensor is out of tolerance.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { openFixture, ParityReport } from '@sana/core';
import { parityGroups } from './parity-groups.js';

const dir = process.env.SANA_FIXTURES ?? fileURLToPath(new URL('../fixtures/reference', import.meta.url));

describe('parity with the reference fixtures', () => {
  for (const group of parityGroups) {
    it(group.name, async () => {
      const fx = await openFixture(dir);
      const report = new ParityReport();
      report.group = group.name;
      await group.run(fx, report);
      const failures = report.results.filter((r) => !r.pass).map((r) => `${r.key}: err ${r.error} > tol ${r.tolerance} ${r.note ?? ''}`);
      expect(failures).toEqual([]);
      expect(report.results.length).toBeGreaterThan(0);
    });
  }
});
