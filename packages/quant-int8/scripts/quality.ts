// `pnpm tsx packages/quant-int8/scripts/quality.ts [FIXTURE_DIR]`: the INT8 quality tables of the README.
import { openFixture } from '@sana/core';
import { componentErrors } from '../src/quality.js';
import { pipelinePsnr } from '../src/quality-pipeline.js';

const fx = await openFixture(process.argv[2] ?? 'fixtures/reference');
const e = (x: number) => x.toExponential(2);
console.log('| component (fixture inputs -> key) | variant | INT8 layers | max abs err vs fp32 | mean abs err vs fp32 | max err / max fp32 | max err / max ref (fixture) |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of await componentErrors(fx)) {
  console.log(`| ${r.component} (${r.key}) | ${r.variant} | ${r.quantizedLayers} | ${e(r.maxAbs)} | ${e(r.meanAbs)} | ${e(r.relmax)} | ${e(r.relmaxVsReference)} |`);
}
console.log('\n| pipeline dtype | PSNR vs our fp32 image (dB) | PSNR vs diffusers pipe.image (dB) |');
console.log('| --- | --- | --- |');
for (const r of await pipelinePsnr(fx)) console.log(`| ${r.dtype} | ${r.psnrVsFp32.toFixed(2)} | ${r.psnrVsReference.toFixed(2)} |`);
