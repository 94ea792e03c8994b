// Diagnostic for the embedded model: the evaluator on ground-truth scenes passed through the model's own DC-AE
// (encode, decode). It bounds what any DiT can score with this autoencoder.
//   pnpm tsx scripts/shapes-ae-roundtrip.ts [--model DIR] [--limit N]
import { createBackend, float32 } from '@sana/core';
import { DcAeDecoder, DcAeEncoder } from '@sana/dc-ae';
import { openDcAeFolder } from '../packages/dc-ae/src/node.js';
import { evalPromptSet, evaluateImage, renderScene, sampleScene } from '@sana/scenes';
import { denormalize, toRgba } from '@sana/pipeline';
import { SHAPES_MODEL, exitOnSanaError } from './shapes-eval.js';

const args = process.argv.slice(2);
const value = (n: string) => (args.includes(n) ? args[args.indexOf(n) + 1] : undefined);
const model = value('--model') ?? SHAPES_MODEL;
// A bad --model or --limit names its cause in one line, as `pnpm eval` does, not with a stack trace.
const fail: (e: unknown) => never = exitOnSanaError('shapes-ae-roundtrip');
let prompts: ReturnType<typeof evalPromptSet>;
let vae: Awaited<ReturnType<typeof openDcAeFolder>>;
try {
  prompts = evalPromptSet(value('--limit') ? Number(value('--limit')) : undefined);
  vae = await openDcAeFolder(`${model}/vae`);
} catch (e) {
  fail(e);
}
const { config, weights, close } = vae;
const backend = await createBackend('cpu');
const enc = await DcAeEncoder.create(backend, config, weights);
const dec = await DcAeDecoder.create(backend, config, weights);
let ok = 0;
let okNoShape = 0;
let se = 0; // squared error over every channel value, in [0, 1] units
let values = 0;
for (const [i, p] of prompts.entries()) {
  const c = sampleScene(p.sceneSeed, { category: p.category });
  const img = renderScene(c.scene);
  const n = img.width * img.height;
  const x = new Float32Array(3 * n); // [1, 3, H, W] in [-1, 1]
  for (let k = 0; k < n; k++) for (let ch = 0; ch < 3; ch++) x[ch * n + k] = img.rgba[4 * k + ch] / 127.5 - 1;
  const z = await enc.encode(float32(x, [1, 3, img.height, img.width]));
  // Decoded pixels -> RGBA exactly as the pipeline does it (denormalize, round half to even).
  const [rgba] = toRgba(denormalize((await dec.decode(z)).data), [1, 3, img.height, img.width]);
  for (let k = 0; k < n; k++) for (let ch = 0; ch < 3; ch++) se += ((rgba[4 * k + ch] - img.rgba[4 * k + ch]) / 255) ** 2;
  values += 3 * n;
  const out = { width: img.width, height: img.height, rgba };
  const e = evaluateImage(c.caption, out);
  ok += e.correct ? 1 : 0;
  okNoShape += evaluateImage(c.caption, out, { ignoreShape: true }).correct ? 1 : 0;
  if (!e.correct) process.stderr.write(`#${i} FAIL ${c.caption}: ${e.failures.join('; ')}\n`);
}
const psnr = -10 * Math.log10(se / values);
console.log(JSON.stringify({ diagnostic: 'sana-shapes ae round trip', model, prompts: prompts.length, correct: ok, accuracy: ok / prompts.length, accuracyIgnoringShape: okNoShape / prompts.length, psnr_db: Math.round(psnr * 100) / 100 }));
await enc.release(); await dec.release(); await close();
