// The DC-AE decoder alone (Sana section 2.1, 32x deep-compression autoencoder): random latents -> PNG.
//   pnpm tsx examples/node/decode-latents.ts fixtures/reference/sana decoded.png --height 4 --width 6
// --height / --width are in latent pixels; the image is 32x larger. The latents are N(0, 1) in diffusion space,
// divided by the VAE's scaling_factor as the pipeline does before decoding.
import { writeFile } from 'node:fs/promises';
import { createBackend, float32, randn } from '@sana/core';
import { DcAeDecoder, fromDiffusersConfig } from '@sana/dc-ae';
import { denormalize, encodePng, folderSource, openWeights, readJson, toRgba } from '@sana/pipeline';
import { cli, device, num, run, seconds, stats } from './util.js';

const { positionals: [model, out], values } = cli('decode-latents.ts MODEL_DIR OUT.png [--height h] [--width w] [--seed S] [--device cpu|cuda|webgpu]', 2, {
  height: { type: 'string' }, width: { type: 'string' }, seed: { type: 'string' }, device: { type: 'string' },
});

run(async () => {
  const t0 = performance.now();
  const src = await folderSource(model);
  const config = fromDiffusersConfig(await readJson(src, 'vae/config.json'), `${model}/vae/config.json`);
  const vae = await DcAeDecoder.create(await createBackend(device(values.device)), config, await openWeights(src, 'vae', 'diffusion_pytorch_model'));
  console.log(`DC-AE decoder: ${config.latentChannels} latent channels, stages ${config.decoderBlockOutChannels.join('/')}, loaded in ${seconds(t0)}`);

  const dims = [1, config.latentChannels, num(values, 'height', 8), num(values, 'width', 8)]; // [B, C, h, w]
  const sf = Math.fround(config.scalingFactor);
  const z = randn(dims, num(values, 'seed', 0)).map((v) => v / sf);
  const t1 = performance.now();
  const img = await vae.decode(float32(z, dims)); // [B, 3, 32h, 32w] in [-1, 1]
  const [, , H, W] = img.dims;
  const raw = (await img.read()) as Float32Array;
  console.log(`image [${img.dims.join(', ')}] in ${seconds(t1)}: ${JSON.stringify(stats(raw))}`);
  const [rgba] = toRgba(denormalize(raw), [1, 3, H, W]);
  await writeFile(out, encodePng(rgba, W, H));
  console.log(`wrote ${out} (${W}x${H})`);
});
