import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';

// `pnpm eval` refuses a bad option before it loads a model, naming the option and what it expected.
describe('pnpm eval arguments', () => {
  it('refuses an unknown --int8-activations scheme', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/eval.ts', '--int8-activations', 'per-row'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--int8-activations');
    expect(r.stderr).toContain('expected "per-tensor" or "per-token"');
    expect(r.stderr).not.toMatch(/\n\s+at /); // one line, no stack trace
  });
});
