import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@sana/core';
import { EVAL_PLAN, evalPromptSet } from './prompt-set.js';
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
});
