import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import { EVAL_PLAN, EVAL_SEED_BASE, evalPromptSet } from './prompt-set.js';
import { sampleScene } from './scene.js';
import { parsePrompt } from './caption.js';

describe('evalPromptSet', () => {
  it('is 200 fixed prompts in the planned families, all parseable', () => {
    const set = evalPromptSet();
    expect(set.length).toBe(200);
    expect(evalPromptSet()).toEqual(set);
    for (const [cat, n] of Object.entries(EVAL_PLAN)) expect(set.filter((p) => p.category === cat).length).toBe(n);
    for (const p of set) expect(parsePrompt(p.prompt).category).toBe(p.category);
    expect(new Set(set.map((p) => p.seed)).size).toBe(200);
  });

  it('takes a proportional subset with `limit`', () => {
    const few = evalPromptSet(20);
    expect(few.length).toBe(20);
    expect(new Set(few.map((p) => p.category)).size).toBe(6);
    for (const n of [1, 6, 7, 40, 199]) expect(evalPromptSet(n).length).toBe(n);
    expect(evalPromptSet(40).filter((p) => p.category === 'relation').length).toBe(10);
    expect(evalPromptSet(40)[0]).toEqual(evalPromptSet()[0]);
    expect(() => evalPromptSet(0)).toThrow(ArgumentError);
  });

  it('names each prompt\'s scene seed, also in a subset, so its ground-truth scene can be drawn', () => {
    for (const p of [...evalPromptSet(), ...evalPromptSet(17)]) {
      expect(sampleScene(p.sceneSeed, { category: p.category }).caption).toBe(p.prompt);
    }
    expect(evalPromptSet()[0].sceneSeed).toBe(EVAL_SEED_BASE);
  });

  it('draws another set of the same plan from another seed base', () => {
    const val = evalPromptSet(undefined, { seedBase: 950_000 });
    for (const [cat, n] of Object.entries(EVAL_PLAN)) expect(val.filter((p) => p.category === cat).length).toBe(n);
    const test = new Set(evalPromptSet().map((p) => p.prompt));
    expect(val.filter((p) => !test.has(p.prompt)).length).toBeGreaterThan(150); // mostly other prompts (short ones can repeat)
    expect(() => evalPromptSet(10, { seedBase: -1 })).toThrow(ArgumentError);
    expect(() => evalPromptSet(10, { seedBase: 1.5 })).toThrow(/seedBase/);
  });
});
