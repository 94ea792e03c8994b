// Diagnostic for the embedded model's relation prompts: of those it fails, how many have the two objects in the
// reversed order (the model missed which object comes first) and how many lie across the relation's axis (it missed
// the relation word)? Same images as `pnpm eval` (20 Flow-DPM steps, each prompt's seed).
//   pnpm tsx scripts/shapes-relations.ts [--model DIR] [--seed-base N]
import { SanaError } from '@sana/core';
import { SanaPipeline } from '@sana/pipeline';
import { evaluateImage } from '@sana/scenes';
import { SHAPES_MODEL, evalPromptSet, loadShapesModel, relationOutcome, type RelationOutcome } from './shapes-eval.js';

const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const model = opt('--model') ?? SHAPES_MODEL;
const seedBase = opt('--seed-base') === undefined ? undefined : Number(opt('--seed-base'));
if (seedBase !== undefined && !(Number.isInteger(seedBase) && seedBase >= 0)) {
  process.stderr.write(`shapes-relations: --seed-base must be a non-negative integer, got ${opt('--seed-base')}\n`);
  process.exit(1);
}
const parts = await loadShapesModel({ model, threads: 2 }).catch((e: unknown) => {
  if (!(e instanceof SanaError)) throw e;
  process.stderr.write(`shapes-relations: ${e.message}\n`);
  process.exit(1);
});
const pipe = new SanaPipeline(parts);
const prompts = evalPromptSet(200, seedBase === undefined ? {} : { seedBase }).filter((p) => p.category === 'relation');
const tally: Partial<Record<RelationOutcome, number>> = {};
for (const p of prompts) {
  const { images } = await pipe.generate({ prompt: p.prompt, seed: p.seed, steps: 20 });
  const o = relationOutcome(evaluateImage(p.prompt, images[0]));
  tally[o] = (tally[o] ?? 0) + 1;
}
console.log(JSON.stringify({ model, seedBase: seedBase ?? null, relationPrompts: prompts.length, outcomes: tally }));
