import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outsideVocabularyNote, wordsOutsideVocabulary } from './vocabulary-note.js';

const VOCAB = { '▁a': 1, '▁red': 2, '▁circle': 3, '▁stars': 4, '▁on': 5, c: 6, a: 7, t: 8 };
const EMBEDDED = join(import.meta.dirname, '..', '..', '..', 'models', 'sana-shapes');

describe('wordsOutsideVocabulary', () => {
  it('lists the words without a whole-word token, once each, case and punctuation aside', () => {
    expect(wordsOutsideVocabulary('A red circle.', VOCAB)).toEqual([]);
    expect(wordsOutsideVocabulary('a CAT, a cat on a red circle', VOCAB)).toEqual(['cat']); // letters c-a-t are tokens, the word is not
    expect(wordsOutsideVocabulary('', VOCAB)).toEqual([]);
    expect(wordsOutsideVocabulary('constructor toString', VOCAB)).toEqual(['constructor', 'tostring']); // own keys only
  });
});

describe('outsideVocabularyNote', () => {
  it('is silent for the README prompt on the embedded model and names the unknown words otherwise', async () => {
    expect(await outsideVocabularyNote(EMBEDDED, 'a red circle left of a blue square', 'x')).toBeUndefined();
    expect(await outsideVocabularyNote(EMBEDDED, 'Three small green stars, on a black background.', 'x')).toBeUndefined();
    const note = await outsideVocabularyNote(EMBEDDED, 'a photo of a giraffe', 'a red circle');
    expect(note).toMatch(/"photo", "giraffe" are not in its vocabulary/);
    expect(note).toContain('--model');
  });

  it('says nothing for a folder without a readable tokenizer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sana-vocab-'));
    expect(await outsideVocabularyNote(dir, 'a giraffe', 'x')).toBeUndefined();
    await mkdir(join(dir, 'tokenizer'));
    await writeFile(join(dir, 'tokenizer', 'tokenizer.json'), '{ not json');
    expect(await outsideVocabularyNote(dir, 'a giraffe', 'x')).toBeUndefined();
    await writeFile(join(dir, 'tokenizer', 'tokenizer.json'), JSON.stringify({ model: { vocab: VOCAB } }));
    expect(await outsideVocabularyNote(dir, 'a giraffe', 'x')).toMatch(/"giraffe" is not/);
  });
});
