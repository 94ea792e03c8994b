// Writes the element-wise mean of safetensors weight files (see weight-average.ts):
//   pnpm tsx scripts/average-weights.ts --out OUT.safetensors A.safetensors B.safetensors [...]
import { writeFileSync } from 'node:fs';
import { ArgumentError, SafetensorsFile, openSafetensors, serializeSafetensors } from '@sana/core';
import { exitOnSanaError } from './shapes-eval.js';
import { averageWeights } from './weight-average.js';

const fail: (e: unknown) => never = exitOnSanaError('average-weights');
const args = process.argv.slice(2);
const at = args.indexOf('--out');
const out = at >= 0 ? args[at + 1] : undefined;
const inputs = args.filter((_, i) => at < 0 || (i !== at && i !== at + 1));
try {
  if (!out || out.startsWith('--')) throw new ArgumentError('--out', 'is required: the file to write');
  if (inputs.length < 2) throw new ArgumentError('inputs', `need two or more .safetensors files to average, got ${inputs.length}`);
} catch (e) {
  fail(e);
}
const stores = await Promise.all(inputs.map((p) => openSafetensors(p))).catch(fail);
const mean = await averageWeights(stores).catch(fail);
// the first file's metadata travels ({"format": "pt"} from diffusers, which its loader reads)
const first = stores[0];
writeFileSync(out!, serializeSafetensors(mean, first instanceof SafetensorsFile ? { ...first.metadata } : undefined));
console.log(`wrote ${out}: the mean of ${inputs.length} files, ${Object.keys(mean).length} tensors`);
