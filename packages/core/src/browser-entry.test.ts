// The browser entry must never pull in onnxruntime-node or Node built-ins (fs, path, ...).
import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

describe('browser entry', () => {
  it('bundles for the browser without onnxruntime-node or node: modules', async () => {
    const entry = fileURLToPath(new URL('./index.browser.ts', import.meta.url));
    const r = await build({
      entryPoints: [entry], bundle: true, write: false, platform: 'browser', format: 'esm', metafile: true,
      external: ['onnxruntime-web'], logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile!.inputs);
    expect(inputs.filter((p) => /onnxruntime-node|node-files|node-model-io|backend-node/.test(p))).toEqual([]);
    const imports = Object.values(r.metafile!.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((p) => p.startsWith('node:') || p === 'fs' || p === 'path')).toEqual([]);
  });
});
