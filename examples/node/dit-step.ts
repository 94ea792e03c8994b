// One forward of the Linear DiT (Sana section 2.2) on random latents and random caption embeddings.
//   pnpm tsx examples/node/dit-step.ts fixtures/reference/sana --timestep 999 --height 4 --width 6
// --height / --width are in latent pixels (default: the config's sample_size, 32 = a 1024px image). Prints the
// predicted flow's shape and statistics, and the time of the build and of the forward.
import { createBackend, float32, randn, sessionFromGraph } from '@sana/core';
import { folderSource, openWeights, readJson } from '@sana/pipeline';
import { SanaTransformer, buildTransformerGraph, fromDiffusersConfig } from '@sana/linear-dit';
import { cli, device, num, run, seconds, stats } from './util.js';

const { positionals: [model], values } = cli('dit-step.ts MODEL_DIR [--timestep T] [--height h] [--width w] [--tokens L] [--seed S] [--device cpu|cuda|webgpu]', 1, {
  timestep: { type: 'string' }, height: { type: 'string' }, width: { type: 'string' }, tokens: { type: 'string' },
  seed: { type: 'string' }, device: { type: 'string' },
});

run(async () => {
  const t0 = performance.now();
  const src = await folderSource(model);
  const config = fromDiffusersConfig(await readJson(src, 'transformer/config.json'), `${model}/transformer/config.json`);
  const graph = await buildTransformerGraph(config, await openWeights(src, 'transformer', 'diffusion_pytorch_model'));
  const session = await sessionFromGraph(await createBackend(device(values.device)), graph, { label: 'transformer' });
  const dit = new SanaTransformer(session, config, 'float32');
  console.log(`transformer: ${config.numLayers} blocks, ${config.numAttentionHeads}x${config.attentionHeadDim} heads, loaded in ${seconds(t0)}`);

  const h = num(values, 'height', config.sampleSize);
  const w = num(values, 'width', config.sampleSize);
  const tokens = num(values, 'tokens', 300);
  const seed = num(values, 'seed', 0);
  const x = [1, config.inChannels, h, w]; // [B, C, h, w]
  const text = [1, tokens, config.captionChannels]; // [B, L, caption_channels], what the text encoder would give
  const t1 = performance.now();
  const out = await dit.forward({
    hiddenStates: float32(randn(x, seed), x),
    timestep: num(values, 'timestep', 999) * config.timestepScale,
    encoderHiddenStates: float32(randn(text, seed + 1), text),
  });
  const v = (await out.read()) as Float32Array;
  console.log(`output [${out.dims.join(', ')}] in ${seconds(t1)}: ${JSON.stringify(stats(v))}`);
  await session.release();
});
