// `pnpm eval`: compositional accuracy of the embedded sana-shapes model on the fixed 200 prompts (GenEval-like).
//   pnpm eval [--model DIR] [--limit N] [--steps 20] [--guidance 4.5] [--seed-base N] [--samplers] [--int8] [--ground-truth]
//             [--int8-activations per-tensor|per-token] [--save DIR] [--threads N] [-v]
// --seed-base N draws another prompt set of the same plan (scene seeds N, N+1, ...; e.g. 950000): tune settings there,
// report on the fixed set.
// Default: Flow-DPM-Solver, 20 steps, CFG 4.5, the CLI's defaults. --samplers adds the paper's sampler table
// (Flow-DPM-Solver 5/10/14/20 vs Flow-Euler 10/20/28/50), --int8 the INT8 transformer at 20 steps
// (W8A8; --int8-activations per-token quantizes each token's activations with its own scale, the paper's scheme,
// instead of one dynamic scale per tensor).
import { activationScheme, type ActivationScheme } from '@sana/quant-int8';
import {
  SAMPLER_TABLE, SHAPES_MODEL, accuracyOf, evalPromptSet, exitOnSanaError, formatTable, groundTruthAccuracy, loadShapesModel,
  withInt8Transformer, type AccuracyRow, type RunOptions, type SamplerSetting,
} from './shapes-eval.js';

const args = process.argv.slice(2);
const flag = (n: string) => args.includes(n);
const value = (n: string) => (args.includes(n) ? args[args.indexOf(n) + 1] : undefined);
const num = (n: string) => { const v = value(n); return v === undefined ? undefined : Number(v); };

const fail: (e: unknown) => never = exitOnSanaError('eval');
const seedBase = num('--seed-base');
let int8Activations: ActivationScheme | undefined;
let prompts: ReturnType<typeof evalPromptSet> = [];
try {
  // checked here, before the model loads and the float runs take minutes, with quantizeGraph's own check
  const scheme = value('--int8-activations');
  int8Activations = scheme === undefined ? undefined : activationScheme(scheme, '--int8-activations');
  prompts = evalPromptSet(num('--limit'), { seedBase });
} catch (e) {
  fail(e);
}
const opts: RunOptions = {
  model: value('--model') ?? SHAPES_MODEL,
  threads: num('--threads'),
  int8Activations,
  guidance: num('--guidance'),
  saveDir: value('--save'),
  onImage: (setting, i, ok, failures) => {
    if (flag('-v')) process.stderr.write(`${setting} #${i} ${ok ? 'ok  ' : 'FAIL'} ${prompts[i].prompt}${ok ? '' : `: ${failures.join('; ')}`}\n`);
    else if ((i + 1) % 25 === 0) process.stderr.write(`${setting}: ${i + 1}/${prompts.length}\n`);
  },
};
const rows: AccuracyRow[] = [];
const report = (r: AccuracyRow) => {
  rows.push(r);
  const set = { guidance: opts.guidance ?? 4.5, ...(seedBase !== undefined ? { seedBase } : {}) };
  console.log(JSON.stringify({ eval: 'sana-shapes', model: opts.model, ...set, ...r }));
};

const gt = groundTruthAccuracy(prompts, flag('--ground-truth') ? 1000 : 0);
report(gt);
if (!flag('--ground-truth')) await runModel().catch(fail);

async function runModel() {
  const parts = await loadShapesModel(opts);
  const main: SamplerSetting = { name: `flow-dpm-solver ${num('--steps') ?? 20}`, steps: num('--steps') ?? 20 };
  const settings = flag('--samplers') ? SAMPLER_TABLE : [main];
  for (const s of settings) report(await accuracyOf(parts, s, prompts, opts));
  if (flag('--int8')) {
    const q = await withInt8Transformer(parts, opts.model, opts);
    const scheme = int8Activations ? `, ${int8Activations} activations` : '';
    report(await accuracyOf(q, { ...main, name: `${main.name}, int8 transformer${scheme}` }, prompts, opts));
  }
}
console.log(`\n${formatTable(rows)}\n`);
const target = rows.find((r) => r.setting === 'flow-dpm-solver 20');
if (target) console.log(`compositional accuracy at 20 Flow-DPM steps: ${(100 * target.accuracy).toFixed(1)} % of ${target.prompts} prompts (goal >= 80 %)`);
