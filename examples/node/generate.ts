// Text to PNG with SanaPipeline in Node (onnxruntime-node): the whole pipeline in a dozen lines.
//   pnpm tsx examples/node/generate.ts fixtures/reference/sana "a red circle on a blue background" out.png --width 192 --height 128 --steps 6
// Any diffusers Sana folder works (e.g. Efficient-Large-Model/Sana_600M_1024px_diffusers, ~10 GB in fp32; add --dtype fp16).
import { writeFile } from 'node:fs/promises';
import { SanaPipeline, encodePng } from '@sana/pipeline';
import { cli, device, num, run, seconds } from './util.js';

const { positionals: [model, prompt, out], values } = cli('generate.ts MODEL_DIR PROMPT OUT.png [--width W] [--height H] [--steps N] [--guidance G] [--seed S] [--device cpu|cuda|webgpu] [--dtype fp32|fp16]', 3, {
  width: { type: 'string' }, height: { type: 'string' }, steps: { type: 'string' }, guidance: { type: 'string' },
  seed: { type: 'string' }, device: { type: 'string' }, dtype: { type: 'string' },
});

run(async () => {
  let t0 = performance.now();
  const pipe = await SanaPipeline.fromPretrained(model, { device: device(values.device), dtype: values.dtype as 'fp32' | 'fp16' | undefined });
  console.log(`loaded ${model} in ${seconds(t0)}`);
  t0 = performance.now();
  const { images: [img], timings } = await pipe.generate({
    prompt,
    width: values.width ? num(values, 'width', 0) : undefined,
    height: values.height ? num(values, 'height', 0) : undefined,
    steps: num(values, 'steps', 20),
    guidanceScale: num(values, 'guidance', 4.5),
    seed: num(values, 'seed', 0),
    onStep: (s) => { process.stdout.write(`\rstep ${s.step + 1}/${s.steps}`); },
  });
  process.stdout.write('\n');
  await writeFile(out, encodePng(img.rgba, img.width, img.height));
  console.log(`${out}: ${img.width}x${img.height} in ${seconds(t0)} (text ${timings.textEncoder.toFixed(2)} s, denoise ${timings.denoise.toFixed(2)} s, decode ${timings.decode.toFixed(2)} s)`);
  await pipe.release();
});
