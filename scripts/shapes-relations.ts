// Diagnostic for the embedded model's relation prompts: of those it fails, how many have the two objects in the
// reversed order (the model missed which object comes first) and how many lie across the relation's axis (it missed
// the relation word)? The images are `pnpm eval`'s (its default setting, 20 Flow-DPM steps, each prompt's seed).
//   pnpm tsx scripts/shapes-relations.ts [--model DIR] [--seed-base N]
import {
  SAMPLER_TABLE, SHAPES_MODEL, accuracyOf, evalPromptSet, exitOnSanaError, loadShapesModel, relationOutcome, type RelationOutcome,
} from './shapes-eval.js';

const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const model = opt('--model') ?? SHAPES_MODEL;
const seedBase = opt('--seed-base') === undefined ? undefined : Number(opt('--seed-base'));
const fail: (e: unknown) => never = exitOnSanaError('shapes-relations');
let prompts: ReturnType<typeof evalPromptSet> = [];
try {
  prompts = evalPromptSet(undefined, { seedBase }).filter((p) => p.category === 'relation');
} catch (e) {
  fail(e);
}
const parts = await loadShapesModel({ model, threads: 2 }).catch(fail);
const setting = SAMPLER_TABLE.find((s) => s.name === 'flow-dpm-solver 20')!;
const tally: Partial<Record<RelationOutcome, number>> = {};
await accuracyOf(parts, setting, prompts, {
  onImage: (_setting, _i, _ok, _failures, e) => {
    const o = relationOutcome(e);
    tally[o] = (tally[o] ?? 0) + 1;
  },
});
console.log(JSON.stringify({ model, seedBase: seedBase ?? null, relationPrompts: prompts.length, outcomes: tally }));
