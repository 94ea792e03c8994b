// Writes the sana-shapes training set as scene parameters + caption token ids (the GPU machine draws the
// pixels with training/shapes_data.py, a port of @sana/scenes' rasterizer), and the port's check fixture.
//   pnpm tsx scripts/make-shapes-dataset.ts [--count 100000] [--out .vendor/data/shapes-train.jsonl.gz]
// Line 1 is a header (canvas size, palettes, shape polygons, token layout); then one scene per line:
//   [seed, background, [[shape, color, cx, cy, r], ...], [caption token ids after the shared CHI prefix]]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { COMPLEX_HUMAN_INSTRUCTION, DEFAULT_MAX_SEQUENCE_LENGTH, Tokenizer } from '@sana/text-encoder';
import {
  BACKGROUNDS, BACKGROUND_NAMES, COLORS, COLOR_NAMES, EVAL_SEED_BASE, SHAPES, SHAPE_NAMES, evalPromptSet, renderScene,
  sampleScene, type Scene,
} from '@sana/scenes';
import { fromDiffusersConfig as vaeConfig, weightSpec } from '@sana/dc-ae';
import { fromDiffusersConfig as ditConfig, expectedWeights } from '@sana/linear-dit';
import { fromDiffusersConfig as teConfig, gemma2WeightShapes } from '@sana/text-encoder';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const count = Number(opt('--count', '100000'));
const out = opt('--out', '.vendor/data/shapes-train.jsonl.gz');
const tokDir = opt('--tokenizer', 'models/sana-shapes/tokenizer');
if (!(count > 0 && count <= EVAL_SEED_BASE)) throw new Error(`--count must be in 1..${EVAL_SEED_BASE} (eval scenes start there)`);

const tok = Tokenizer.fromJson(JSON.parse(readFileSync(`${tokDir}/tokenizer.json`, 'utf8')), JSON.parse(readFileSync(`${tokDir}/tokenizer_config.json`, 'utf8')));
const chi = COMPLEX_HUMAN_INSTRUCTION.join('\n');
const chiIds = tok.encodeIds(chi);
// The CHI ends in a space that merges with the caption's first word, so the shared prefix is one token shorter.
// Tokenizing only " " + caption after it is exact because no merge crosses a word boundary (checked below).
const prefix = chiIds.slice(0, -1);
if (tok.decode([chiIds[chiIds.length - 1]]) !== ' ') throw new Error('the CHI should end in a lone space token');
const tail = (caption: string) => tok.encodeIds(` ${caption}`, false);

const round = (x: number) => Math.round(x * 1e6) / 1e6;
const sceneRow = (s: Scene) => [
  BACKGROUND_NAMES.indexOf(s.background),
  s.objects.map((o) => [SHAPE_NAMES.indexOf(o.shape), COLOR_NAMES.indexOf(o.color), round(o.cx), round(o.cy), round(o.r)]),
];
const header = {
  format: 'sana-shapes-scenes/1', size: 512, count,
  colors: COLOR_NAMES.map((c) => COLORS[c]), backgrounds: BACKGROUND_NAMES.map((b) => BACKGROUNDS[b]),
  color_names: COLOR_NAMES, background_names: BACKGROUND_NAMES, shape_names: SHAPE_NAMES,
  shapes: SHAPE_NAMES.map((s) => { const g = SHAPES[s]; return g.kind === 'circle' ? { kind: 'circle' } : { kind: 'polygon', vertices: g.vertices }; }),
  chi_tokens: chiIds.length, max_sequence_length: DEFAULT_MAX_SEQUENCE_LENGTH, prefix_ids: prefix,
  bos_id: tok.bosId, pad_id: tok.padId ?? 0,
  // A few prompts the trainer draws at the end for a look: the README's, then the first of each eval family.
  samples: ['a red circle left of a blue square', ...evalPromptSet().filter((_, i, a) => i === 0 || a[i - 1].category !== a[i].category).map((p) => p.prompt),
    'two green triangles on a white background'].slice(0, 8).map((caption) => ({ caption, ids: tail(caption) })),
};
const lines = [JSON.stringify(header)];
const t0 = performance.now();
let maxTail = 0;
for (let seed = 0; seed < count; seed++) {
  const c = sampleScene(seed);
  const ids = tail(c.caption);
  if (seed < 300) { // the shortcut must equal tokenizing CHI + caption whole, as the pipeline does
    const full = tok.encodeIds(chi + c.caption);
    if (full.join() !== [...prefix, ...ids].join()) throw new Error(`tokenization shortcut differs for "${c.caption}"`);
  }
  maxTail = Math.max(maxTail, ids.length);
  lines.push(JSON.stringify([seed, ...sceneRow(c.scene), ids]));
}
mkdirSync(dirname(out), { recursive: true });
const gz = gzipSync(Buffer.from(`${lines.join('\n')}\n`), { level: 9 });
writeFileSync(out, gz);
process.stderr.write(`wrote ${out}: ${count} scenes, ${(gz.length / 2 ** 20).toFixed(1)} MiB, caption tokens <= ${maxTail}, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

// The rasterizer port's check: a few scenes drawn here at 64 px, raw RGB in base64.
const checks = [1, 2, 3, 4, 5, 6].map((seed) => {
  const s = sampleScene(seed).scene;
  const scaled: Scene = { ...s, objects: s.objects.map((o) => ({ ...o, cx: round(o.cx), cy: round(o.cy), r: round(o.r) })) };
  const img = renderScene(scaled, 64);
  const rgb = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < 64 * 64; i++) for (let ch = 0; ch < 3; ch++) rgb[3 * i + ch] = img.rgba[4 * i + ch];
  return { row: sceneRow(scaled), size: 64, rgb: rgb.toString('base64') };
});
// Every tensor key and shape the TypeScript loaders expect for training/configs: the trainer checks its export against it.
const conf = (f: string) => JSON.parse(readFileSync(`training/configs/${f}.json`, 'utf8'));
const vc = vaeConfig(conf('vae'));
const shapes = {
  vae: Object.fromEntries([...weightSpec(vc, 'encoder'), ...weightSpec(vc, 'decoder')]),
  transformer: Object.fromEntries(expectedWeights(ditConfig(conf('transformer')))),
  text_encoder: Object.fromEntries(gemma2WeightShapes(teConfig(conf('text_encoder')))),
};
writeFileSync('training/fixtures/expected-shapes.json', `${JSON.stringify(shapes)}\n`);
writeFileSync('training/fixtures/render-check.json', `${JSON.stringify({ header: { ...header, prefix_ids: undefined }, checks })}\n`);
