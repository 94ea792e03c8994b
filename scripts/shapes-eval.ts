// The sana-shapes benchmarks: GenEval-like compositional accuracy of a model on the fixed prompt set, per sampler
// and per precision, judged by @sana/scenes' evaluator (`pnpm eval`, and the `shapes-samplers` bench target).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SanaError, createBackend, sessionFromGraph, type Device } from '@sana/core';
import { SANA_FLOW_EULER, type SchedulerConfig } from '@sana/flow-dpm-solver';
import { SanaTransformer, buildTransformerGraph, fromDiffusersConfig as transformerConfig } from '@sana/linear-dit';
import { SanaPipeline, encodePng, loadPretrained, openWeights, folderSource, type SanaComponents } from '@sana/pipeline';
import { quantizeGraph, type ActivationScheme } from '@sana/quant-int8';
import {
  CATEGORIES, evalPromptSet, evaluateImage, inRelation, renderScene, sampleScene, type Category, type EvalPrompt, type Evaluation,
} from '@sana/scenes';

/**
 * For the command-line scripts of this harness: an error raised on purpose (a bad --model or --limit, say) names its
 * cause, so it is printed as one line `<tool>: <message>` with exit code 1, without a stack trace; others propagate.
 * Bind it as `const fail: (e: unknown) => never = exitOnSanaError(tool)`: TypeScript ends a code path after a call only
 * when the callee's never-returning type is written out.
 * @example await loadShapesModel(opts).catch(exitOnSanaError('eval'));
 */
export function exitOnSanaError(tool: string): (e: unknown) => never {
  return (e) => {
    if (!(e instanceof SanaError)) throw e;
    process.stderr.write(`${tool}: ${e.message}\n`);
    process.exit(1);
  };
}

/** The embedded model (models/sana-shapes in the repository). */
export const SHAPES_MODEL = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'models', 'sana-shapes');

export interface SamplerSetting {
  readonly name: string;
  /** undefined: the checkpoint's own scheduler (Flow-DPM-Solver). */
  readonly scheduler?: SchedulerConfig;
  readonly steps: number;
}

/** The paper's sampler comparison: Flow-DPM-Solver at 5/10/14/20 steps against Flow-Euler at 10/20/28/50. */
export const SAMPLER_TABLE: readonly SamplerSetting[] = [
  ...[5, 10, 14, 20].map((steps) => ({ name: `flow-dpm-solver ${steps}`, steps })),
  ...[10, 20, 28, 50].map((steps) => ({ name: `flow-euler ${steps}`, scheduler: SANA_FLOW_EULER, steps })),
];

export interface AccuracyRow {
  readonly setting: string;
  readonly prompts: number;
  readonly correct: number;
  readonly accuracy: number;
  readonly byCategory: Readonly<Partial<Record<Category, { correct: number; total: number }>>>;
  /** Diagnostic: the same images judged on colors, counts, positions and background only (shapes ignored). */
  readonly accuracyIgnoringShape?: number;
  /** Seconds per image (text encoder + denoise + decode) on this machine. */
  readonly secondsPerImage: number;
}

function tally(setting: string, prompts: readonly EvalPrompt[], ok: readonly boolean[], seconds: number, okNoShape?: readonly boolean[]): AccuracyRow {
  const byCategory: Partial<Record<Category, { correct: number; total: number }>> = {};
  prompts.forEach((p, i) => {
    const c = (byCategory[p.category] ??= { correct: 0, total: 0 });
    c.total++;
    c.correct += ok[i] ? 1 : 0;
  });
  const correct = ok.filter(Boolean).length;
  const row = { setting, prompts: prompts.length, correct, accuracy: correct / prompts.length, byCategory, secondsPerImage: seconds / prompts.length };
  return okNoShape ? { ...row, accuracyIgnoringShape: okNoShape.filter(Boolean).length / prompts.length } : row;
}

/** The evaluator on the rendered scenes of the prompts themselves (what a perfect model would draw). */
export function groundTruthAccuracy(prompts: readonly EvalPrompt[], extraScenes = 0): AccuracyRow {
  const t0 = performance.now();
  const ok = prompts.map((p) => {
    const c = sampleScene(p.sceneSeed, { category: p.category });
    return evaluateImage(c.caption, renderScene(c.scene)).correct;
  });
  const extra: EvalPrompt[] = [];
  for (let s = 0; s < extraScenes; s++) {
    const c = sampleScene(s);
    extra.push({ prompt: c.caption, category: c.spec.category, seed: s, sceneSeed: s });
    ok.push(evaluateImage(c.caption, renderScene(c.scene)).correct);
  }
  return tally('ground truth (rendered scenes)', [...prompts, ...extra], ok, (performance.now() - t0) / 1000);
}

export interface RunOptions {
  readonly model?: string;
  readonly threads?: number;
  readonly device?: Device;
  /** Classifier-free guidance scale (default: the pipeline's, 4.5, as the CLI's). */
  readonly guidance?: number;
  /** The int8 transformer's activation quantization (default 'per-tensor', ORT's fast dynamic form; 'per-token' is the paper's). */
  readonly int8Activations?: ActivationScheme;
  /** Save every image here as <setting>/<index>.png. */
  readonly saveDir?: string;
  /** Called after each image with the evaluator's verdict (`evaluation`: the whole of it, detections included). */
  readonly onImage?: (setting: string, i: number, correct: boolean, failures: readonly string[], evaluation: Evaluation) => void;
}

/** Generates every prompt with `setting` on `parts` and scores the images. */
export async function accuracyOf(parts: SanaComponents, setting: SamplerSetting, prompts: readonly EvalPrompt[], o: RunOptions = {}): Promise<AccuracyRow> {
  const pipe = new SanaPipeline(setting.scheduler ? { ...parts, scheduler: setting.scheduler } : parts);
  const ok: boolean[] = [];
  const okNoShape: boolean[] = [];
  const t0 = performance.now();
  for (const [i, p] of prompts.entries()) {
    const { images } = await pipe.generate({ prompt: p.prompt, seed: p.seed, steps: setting.steps, guidanceScale: o.guidance });
    const e = evaluateImage(p.prompt, images[0]);
    ok.push(e.correct);
    okNoShape.push(evaluateImage(p.prompt, images[0], { ignoreShape: true }).correct);
    o.onImage?.(setting.name, i, e.correct, e.failures, e);
    if (o.saveDir) {
      const dir = join(o.saveDir, setting.name.replace(/\s+/g, '-'));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${String(i).padStart(3, '0')}.png`), encodePng(images[0].rgba, images[0].width, images[0].height));
    }
  }
  return tally(setting.name, prompts, ok, (performance.now() - t0) / 1000, okNoShape);
}

/** The checkpoint's components with the transformer's linear layers in INT8 (W8A8 on ORT CPU, the paper's keep-float policy). */
export async function withInt8Transformer(parts: SanaComponents, model = SHAPES_MODEL, o: RunOptions = {}): Promise<SanaComponents> {
  const src = await folderSource(model);
  const config = transformerConfig(JSON.parse(await src.readText('transformer/config.json')), `${model}/transformer/config.json`);
  const graph = await buildTransformerGraph(config, await openWeights(src, 'transformer', 'diffusion_pytorch_model'));
  quantizeGraph(graph, { mode: 'cpu', component: 'transformer', activations: o.int8Activations });
  const backend = await createBackend(o.device ?? 'cpu');
  const session = await sessionFromGraph(backend, graph, { label: 'transformer-int8', threads: o.threads });
  return { ...parts, transformer: new SanaTransformer(session, config, 'float32') };
}

/** Loads the model once for a run of settings. */
export function loadShapesModel(o: RunOptions = {}): Promise<SanaComponents> {
  return loadPretrained(o.model ?? SHAPES_MODEL, { device: o.device ?? 'cpu', threads: o.threads });
}

/** How a relation prompt's image went: which part of "a left of b" the model got wrong. */
export type RelationOutcome = 'correct' | 'object missing' | 'reversed' | 'wrong axis' | 'too close' | 'other';

/**
 * Classifies an evaluated relation prompt. 'reversed': both objects drawn, b in the relation to a (the order is what
 * the model missed); 'wrong axis': they lie more across the relation's axis than along it (it missed the relation
 * word); 'too close': along the axis but under the evaluator's 0.05; 'other': the relation holds and something
 * else failed (background, say).
 */
export function relationOutcome(e: Evaluation): RelationOutcome {
  const rel = e.spec.relation;
  if (e.spec.category !== 'relation' || !rel) throw new Error(`relationOutcome: "${e.prompt}" is not a relation prompt`);
  if (e.correct) return 'correct';
  const [a, b] = e.spec.objects.map((o) => e.detections.find((d) => d.color === o.color && d.shape === o.shape));
  if (!a || !b) return 'object missing';
  if (inRelation(a, b, rel)) return 'other';
  if (inRelation(b, a, rel)) return 'reversed';
  const horizontal = rel === 'left of' || rel === 'right of';
  const along = Math.abs(horizontal ? b.cx - a.cx : b.cy - a.cy);
  const across = Math.abs(horizontal ? b.cy - a.cy : b.cx - a.cx);
  return across >= along ? 'wrong axis' : 'too close';
}

/** Markdown table of rows. */
export function formatTable(rows: readonly AccuracyRow[]): string {
  const cats = CATEGORIES.filter((c) => rows.some((r) => r.byCategory[c]));
  const head = `| setting | accuracy | ${cats.join(' | ')} | shapes ignored | s/image |`;
  const sep = `| --- | --- | ${cats.map(() => '---').join(' | ')} | --- | --- |`;
  const lines = rows.map((r) => {
    const cells = cats.map((c) => { const x = r.byCategory[c]; return x ? `${x.correct}/${x.total}` : ''; });
    const noShape = r.accuracyIgnoringShape === undefined ? '' : `${(100 * r.accuracyIgnoringShape).toFixed(1)} %`;
    return `| ${r.setting} | ${(100 * r.accuracy).toFixed(1)} % (${r.correct}/${r.prompts}) | ${cells.join(' | ')} | ${noShape} | ${r.secondsPerImage.toFixed(2)} |`;
  });
  return [head, sep, ...lines].join('\n');
}

export { evalPromptSet };
