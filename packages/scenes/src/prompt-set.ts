// The fixed evaluation prompts: 200 captions over the six prompt families, each with its noise seed.
import { ArgumentError } from '@sana/core';
import type { Category } from './caption.js';
import { sampleScene } from './scene.js';

export interface EvalPrompt {
  readonly prompt: string;
  readonly category: Category;
  /** Noise seed for generation. */
  readonly seed: number;
  /** Seed of the scene the prompt was sampled from (`sampleScene(sceneSeed, { category })` draws it). */
  readonly sceneSeed: number;
}

export interface PromptSetOptions {
  /**
   * First scene seed (default EVAL_SEED_BASE). Another base gives another set of the same plan, for tuning without
   * touching the evaluation set: keep it clear of the training seeds (0-119,999 in training/) and of 900,000-900,199.
   */
  readonly seedBase?: number;
}

/** Prompts per family in the standard set (200 in all; relations weigh most, as in the README's example). */
export const EVAL_PLAN: Readonly<Record<Category, number>> = Object.freeze({
  single: 30, position: 40, two: 30, relation: 50, counting: 20, three: 30,
});

/** Scene seeds of the evaluation set start here; training scenes use seeds below it. */
export const EVAL_SEED_BASE = 900_000;

/**
 * The evaluation prompts: family by family in EVAL_PLAN order, scene seed EVAL_SEED_BASE + i (or `seedBase` + i), noise seed i.
 * `limit` keeps exactly that many, the first prompts of every family in proportion to the plan (largest
 * remainders), for quick runs.
 * @example evalPromptSet().length; // 200
 */
export function evalPromptSet(limit?: number, options: PromptSetOptions = {}): EvalPrompt[] {
  const base = options.seedBase ?? EVAL_SEED_BASE;
  if (!Number.isSafeInteger(base) || base < 0) throw new ArgumentError('seedBase', `must be a non-negative integer, got ${base}`);
  const plan = Object.entries(EVAL_PLAN) as [Category, number][];
  const total = plan.reduce((a, [, n]) => a + n, 0);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > total)) {
    throw new ArgumentError('limit', `must be an integer in [1, ${total}], got ${limit}`);
  }
  const want = limit ?? total;
  const quota = plan.map(([, n]) => Math.floor((n * want) / total));
  const byRemainder = plan.map(([, n], i) => ({ i, r: (n * want) / total - quota[i] })).sort((a, b) => b.r - a.r || a.i - b.i);
  const short = want - quota.reduce((a, b) => a + b, 0);
  for (let k = 0; k < short; k++) quota[byRemainder[k].i]++;
  const out: EvalPrompt[] = [];
  let i = 0;
  plan.forEach(([category, n], c) => {
    for (let k = 0; k < n; k++, i++) {
      if (k < quota[c]) out.push({ prompt: sampleScene(base + i, { category }).caption, category, seed: i, sceneSeed: base + i });
    }
  });
  return out;
}
