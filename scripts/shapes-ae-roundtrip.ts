// Diagnostic for the embedded model: the evaluator on ground-truth scenes passed through the model's own DC-AE
// (encode, decode). It bounds what any DiT can score with this autoencoder.
//   pnpm tsx scripts/shapes-ae-roundtrip.ts [--model DIR] [--limit N]
import { createBackend, float32 } from '@sana/core';
import { DcAeDecoder, DcAeEncoder } from '@sana/dc-ae';
import { openDcAeFolder } from '../packages/dc-ae/src/node.js';
import { EVAL_SEED_BASE, evalPromptSet, evaluateImage, renderScene, sampleScene } from '@sana/scenes';
import { SHAPES_MODEL } from './shapes-eval.js';

const args = process.argv.slice(2);
const value = (n: string) => (args.includes(n) ? args[args.indexOf(n) + 1] : undefined);
const model = value('--model') ?? SHAPES_MODEL;
const prompts = evalPromptSet(value('--limit') ? Number(value('--limit')) : undefined);
const { config, weights, close } = await openDcAeFolder(`${model}/vae`);
const backend = await createBackend('cpu');
const enc = await DcAeEncoder.create(backend, config, weights);
const dec = await DcAeDecoder.create(backend, config, weights);
let ok = 0;
let okNoShape = 0;
let se = 0;
for (const [i, p] of prompts.entries()) {
  const c = sampleScene(EVAL_SEED_BASE + p.seed, { category: p.category });
  const img = renderScene(c.scene);
  const n = img.width * img.height;
  const x = new Float32Array(3 * n); // [1, 3, H, W] in [-1, 1]
  for (let k = 0; k < n; k++) for (let ch = 0; ch < 3; ch++) x[ch * n + k] = img.rgba[4 * k + ch] / 127.5 - 1;
  const z = await enc.encode(float32(x, [1, 3, img.height, img.width]));
  const y = (await dec.decode(z)).data;
  const rgba = new Uint8ClampedArray(4 * n);
  for (let k = 0; k < n; k++) {
    for (let ch = 0; ch < 3; ch++) {
      const v = Math.round((Math.min(1, Math.max(-1, y[ch * n + k])) + 1) * 127.5);
      rgba[4 * k + ch] = v;
      se += ((v - img.rgba[4 * k + ch]) / 255) ** 2;
    }
    rgba[4 * k + 3] = 255;
  }
  const out = { width: img.width, height: img.height, rgba };
  const e = evaluateImage(c.caption, out);
  ok += e.correct ? 1 : 0;
  okNoShape += evaluateImage(c.caption, out, { ignoreShape: true }).correct ? 1 : 0;
  if (!e.correct) process.stderr.write(`#${i} FAIL ${c.caption}: ${e.failures.join('; ')}\n`);
}
const psnr = -10 * Math.log10(se / (prompts.length * 3 * 512 * 512));
console.log(JSON.stringify({ diagnostic: 'sana-shapes ae round trip', model, prompts: prompts.length, correct: ok, accuracy: ok / prompts.length, accuracyIgnoringShape: okNoShape / prompts.length, psnr_db: Math.round(psnr * 100) / 100 }));
await enc.release(); await dec.release(); await close();
