// Vite config of the browser example: @sana/* from their TypeScript sources (browser entries), the reference
// checkpoint served at /models/sana/, and cross-origin isolation so onnxruntime-web can run multi-threaded wasm.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { ISOLATION_HEADERS, fixtureMiddleware } from './fixture-server.js';

const packages = fileURLToPath(new URL('../../packages/', import.meta.url));
// Like the root vitest.config.ts, but the browser entry (index.browser.ts) where a package has one: that
// entry never imports onnxruntime-node or node: modules. A fresh clone runs the page without building dist/.
const entry = (pkg: string) => {
  const browser = `${packages}${pkg}/src/index.browser.ts`;
  return existsSync(browser) ? browser : `${packages}${pkg}/src/index.ts`;
};
const sanaPackages = ['core', 'dc-ae', 'linear-dit', 'text-encoder', 'flow-dpm-solver', 'quant-int8', 'pipeline'];

/** /models/sana/ and /fixtures/ from fixtures/reference, in `vite` and `vite preview`. */
function referenceFixtures(): Plugin {
  return {
    name: 'sana-reference-fixtures',
    configureServer(server) { server.middlewares.use(fixtureMiddleware()); },
    configurePreviewServer(server) { server.middlewares.use(fixtureMiddleware()); },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: sanaPackages.map((p) => ({ find: new RegExp(`^@sana/${p}$`), replacement: entry(p) })),
  },
  // Pre-bundling would move onnxruntime-web into .vite/deps, away from the .wasm files its
  // `new URL('ort-wasm-simd-threaded.jsep.wasm', import.meta.url)` points at.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { headers: { ...ISOLATION_HEADERS }, host: '127.0.0.1' },
  preview: { headers: { ...ISOLATION_HEADERS }, host: '127.0.0.1' },
  build: {
    target: 'es2022', outDir: 'dist', emptyOutDir: true,
    // onnxruntime-web alone is ~600 kB minified; the warning at 500 kB would fire on every build.
    chunkSizeWarningLimit: 2048,
    // onnxruntime-web starts its wasm threads as `new Worker(import.meta.url)`: its own chunk, so a worker loads
    // ORT alone and not the page's code (which touches `document` and would kill the worker).
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'onnxruntime-web', test: /[\\/]onnxruntime-web[\\/]/ }] } } },
  },
  plugins: [referenceFixtures()],
});
