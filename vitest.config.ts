import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

// Tests run on the TypeScript sources, not on built dist/, so a fresh clone tests without a build.
// Each package is resolved to its Node entry (index.node.ts where a package has one).
const root = fileURLToPath(new URL('.', import.meta.url));
const entry = (pkg: string) => {
  const node = `${root}packages/${pkg}/src/index.node.ts`;
  return existsSync(node) ? node : `${root}packages/${pkg}/src/index.ts`;
};
const pkgs = ['core', 'dc-ae', 'linear-dit', 'text-encoder', 'flow-dpm-solver', 'quant-int8', 'pipeline', 'scenes'];

export default defineConfig({
  resolve: {
    alias: pkgs.map((p) => ({ find: new RegExp(`^@sana/${p}$`), replacement: entry(p) })),
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'scripts/**/*.test.ts', 'training/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
