// Bundles scripts/gpu-bench.ts into one ESM file (onnxruntime-node external) for a machine with only Node + ORT.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const pkgs = ['core', 'dc-ae', 'linear-dit', 'text-encoder', 'flow-dpm-solver', 'quant-int8', 'pipeline'];
const entry = (p) => (existsSync(`packages/${p}/src/index.node.ts`) ? `./packages/${p}/src/index.node.ts` : `./packages/${p}/src/index.ts`);
await build({
  entryPoints: ['scripts/gpu-bench.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node20',
  outfile: 'dist-bench/gpu-bench.mjs', external: ['onnxruntime-node'],
  alias: Object.fromEntries(pkgs.map((p) => [`@sana/${p}`, entry(p)])),
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});
console.log('wrote dist-bench/gpu-bench.mjs');
