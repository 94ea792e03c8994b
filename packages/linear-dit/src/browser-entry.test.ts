// The platform-neutral entry (index.ts, the browser build) must never pull in fs, onnxruntime-node or node: modules.
import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

describe('browser entry', () => {
  it('bundles index.ts for the browser without node-only code', async () => {
    const r = await build({
      entryPoints: [fileURLToPath(new URL('./index.ts', import.meta.url))],
      bundle: true, write: false, platform: 'browser', format: 'esm', metafile: true, logLevel: 'silent',
      alias: { '@sana/core': fileURLToPath(new URL('../../core/src/index.browser.ts', import.meta.url)) },
      external: ['onnxruntime-web'],
    });
    const inputs = Object.keys(r.metafile!.inputs);
    expect(inputs.filter((p) => /onnxruntime-node|node-files|node-model-io|backend-node|linear-dit\/src\/(node|bench|parity)\.ts/.test(p))).toEqual([]);
    expect(inputs.some((p) => p.endsWith('linear-dit/src/sana-transformer.ts'))).toBe(true);
    const imports = Object.values(r.metafile!.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((p) => p.startsWith('node:') || p === 'fs' || p === 'path')).toEqual([]);
  });
});
