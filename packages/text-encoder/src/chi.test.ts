import { describe, expect, it } from 'vitest';
import { promptLayout, COMPLEX_HUMAN_INSTRUCTION } from './chi.js';

describe('promptLayout', () => {
  it('is chi + max - 2 long and keeps the first token and the last max - 1', () => {
    const l = promptLayout(364, 300);
    expect(l.totalLength).toBe(662);
    expect(l.selectIndex.length).toBe(300);
    expect(l.selectIndex.slice(0, 3)).toEqual([0, 363, 364]);
    expect(l.selectIndex[299]).toBe(661);
  });
  it('keeps everything without CHI', () => {
    expect(promptLayout(null, 5)).toEqual({ totalLength: 5, selectIndex: [0, 1, 2, 3, 4] });
    expect(promptLayout(null, 1).selectIndex).toEqual([0]);
  });
  it('has the official eight CHI lines', () => {
    expect(COMPLEX_HUMAN_INSTRUCTION.length).toBe(8);
    expect(COMPLEX_HUMAN_INSTRUCTION[7]).toBe('User Prompt: ');
  });
});
