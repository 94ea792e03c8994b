// The Gemma-2 text encoder alone (Sana section 2.3): prompt -> embeddings, with the complex human instruction.
//   pnpm tsx examples/node/encode-prompt.ts fixtures/reference/sana "a red circle on a blue background" --max-sequence-length 40
// Prints the embedding shape, the token count and statistics over the real (unpadded) tokens.
import { createBackend, sessionFromGraph } from '@sana/core';
import { folderSource, openWeights, readJson } from '@sana/pipeline';
import { GemmaTextEncoder, Tokenizer, buildGemma2Graph, fromDiffusersConfig, loadGemma2Weights, takeOnce } from '@sana/text-encoder';
import { cli, device, num, run, seconds, stats } from './util.js';

const { positionals: [model, ...prompts], values } = cli('encode-prompt.ts MODEL_DIR PROMPT... [--max-sequence-length N] [--no-chi] [--device cpu|cuda|webgpu]', 2, {
  'max-sequence-length': { type: 'string' }, 'no-chi': { type: 'boolean' }, device: { type: 'string' },
});

run(async () => {
  const t0 = performance.now();
  // The same pieces loadComponents uses, for this one component: config, tokenizer, weights, graph, session.
  const src = await folderSource(model);
  const config = fromDiffusersConfig(await readJson(src, 'text_encoder/config.json'), `${model}/text_encoder/config.json`);
  const tokenizer = Tokenizer.fromJson(
    await readJson(src, 'tokenizer/tokenizer.json'),
    (await src.exists('tokenizer/tokenizer_config.json')) ? await readJson(src, 'tokenizer/tokenizer_config.json') : {},
    `${model}/tokenizer/tokenizer.json`,
  );
  const weights = takeOnce(await loadGemma2Weights(await openWeights(src, 'text_encoder', 'model'), config));
  const graph = buildGemma2Graph(config, weights);
  // sessionFromGraph goes through a temporary file with external data above 2 GB (Gemma-2-2B in fp32 is 10 GB).
  const session = await sessionFromGraph(await createBackend(device(values.device)), graph, { label: 'text_encoder' });
  const encoder = new GemmaTextEncoder(session, config, tokenizer);
  console.log(`text encoder: ${config.numHiddenLayers} layers, hidden ${config.hiddenSize}, loaded in ${seconds(t0)}`);

  const t1 = performance.now();
  const { embeds, mask } = await encoder.encodePrompt({
    prompts,
    maxSequenceLength: num(values, 'max-sequence-length', 300),
    chi: values['no-chi'] ? null : undefined,
  });
  const e = (await embeds.read()) as Float32Array;
  const m = (await mask.read()) as BigInt64Array;
  const [b, l, h] = embeds.dims; // [B, L, hidden]
  console.log(`embeds [${embeds.dims.join(', ')}] ${embeds.dtype}, mask [${mask.dims.join(', ')}], in ${seconds(t1)}`);
  for (let i = 0; i < b; i++) {
    const tokens = m.subarray(i * l, (i + 1) * l).reduce((a, v) => a + Number(v), 0);
    const row = e.subarray(i * l * h, (i + 1) * l * h);
    console.log(JSON.stringify({ prompt: prompts[i], tokens, ...stats(row, (j) => m[i * l + Math.floor(j / h)] === 1n) }));
  }
  await session.release();
});
