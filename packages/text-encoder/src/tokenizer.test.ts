import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ArgumentError, FormatError } from '@sana/core';
import { Tokenizer, preprocessCaption } from './tokenizer.js';

const fixture = (p: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../../fixtures/reference/${p}`, import.meta.url)), 'utf8'));
const tok = Tokenizer.fromJson(fixture('sana/tokenizer/tokenizer.json'), fixture('sana/tokenizer/tokenizer_config.json'));
const reference = fixture('reference.json');

const nums = (t: { data: unknown }) => Array.from(t.data as BigInt64Array, Number);

describe('Tokenizer', () => {
  it('gives the ids HF tokenizers gives, <bos> first', () => {
    reference.tokenizer.prompts.forEach((p: string, i: number) => expect(tok.encodeIds(p)).toEqual(reference.tokenizer.ids[i]));
    expect(tok.bosId).toBe(2);
    expect(tok.padId).toBe(0);
    expect(tok.vocabSize).toBe(512);
  });

  it('pads on the right to maxLength and masks the padding', () => {
    const b = tok.encode(['two green squares', ''], { maxLength: 16, padding: 'max_length' });
    expect(b.inputIds.dims).toEqual([2, 16]);
    expect(b.lengths).toEqual([14, 1]);
    expect(nums(b.inputIds).slice(0, 16)).toEqual([...reference.tokenizer.ids[1], 0, 0]);
    expect(nums(b.attentionMask).slice(16)).toEqual([1, ...new Array(15).fill(0)]);
  });

  it("pads to the longest row by default", () => {
    const b = tok.encode(['two green squares', '']);
    expect(b.inputIds.dims).toEqual([2, 14]);
  });

  it('truncates keeping <bos> and the first tokens, as HF does', () => {
    const b = tok.encode(['a photo of an astronaut riding a horse'], { maxLength: 5, truncation: true });
    expect(nums(b.inputIds)).toEqual(reference.tokenizer.ids[2].slice(0, 5));
  });

  it('refuses a row longer than maxLength without truncation', () => {
    expect(() => tok.encode(['a photo of an astronaut'], { maxLength: 3, padding: 'max_length' })).toThrow(/truncation/);
  });

  it('refuses an empty batch and a missing maxLength', () => {
    expect(() => tok.encode([])).toThrow(ArgumentError);
    expect(() => tok.encode([], {})).toThrow(/empty/);
    expect(() => tok.encode(['x'], { truncation: true })).toThrow(/maxLength/);
  });

  it('names the file when the JSON is not a tokenizer', () => {
    const cfg = fixture('sana/text_encoder/config.json');
    expect(() => Tokenizer.fromJson(cfg, {}, 'text_encoder/config.json')).toThrow(FormatError);
    expect(() => Tokenizer.fromJson(cfg, {}, 'text_encoder/config.json')).toThrow(/text_encoder\/config.json: is not a tokenizer/);
    expect(() => Tokenizer.fromJson([1, 2], {})).toThrow(/not a tokenizer/);
    expect(() => Tokenizer.fromJson(null, {})).toThrow(/not a tokenizer/);
  });

  it('refuses a bos token that is not in the vocabulary', () => {
    expect(() => Tokenizer.fromJson(fixture('sana/tokenizer/tokenizer.json'), { bos_token: '<s>' }, 'tok.json')).toThrow(/bos_token "<s>"/);
  });

  it('decodes back to the text', () => {
    expect(tok.decode(tok.encodeIds('two green squares'), true)).toBe('two green squares');
  });
});

describe('preprocessCaption', () => {
  it('is Python lower().strip()', () => {
    expect(preprocessCaption('  A Red Fox\n')).toBe('a red fox');
    expect(preprocessCaption('\x1cX\x85')).toBe('x'); // Python whitespace that JS trim() keeps
    expect(preprocessCaption('\ufeffX')).toBe('\ufeffx'); // JS trim() whitespace that Python keeps
  });
});
