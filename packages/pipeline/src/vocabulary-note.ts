// A note for prompts the default model cannot know. The embedded sana-shapes model was trained on captions of shape
// scenes only; its tokenizer has every word of them (and of the CHI) as one token, so a prompt word with no token of
// its own is a word the model never saw. Generating still works: it just draws shapes. Saying so saves a user from
// reading a drawing of circles as a bug.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Words of `prompt` (lower-cased letters) with no whole-word token (`▁word`) in `vocab`, each once, in order. */
export function wordsOutsideVocabulary(prompt: string, vocab: Readonly<Record<string, number>>): string[] {
  const words = prompt.toLowerCase().match(/[a-z]+/g) ?? [];
  return [...new Set(words.filter((w) => !Object.hasOwn(vocab, `\u2581${w}`)))];
}

/**
 * The note to print when `prompt` has words the model at `modelDir` has no token for, else undefined. Reads
 * `tokenizer/tokenizer.json` (a BPE `model.vocab`); a folder without one gives undefined, as the pipeline's own loader
 * reports a missing tokenizer.
 */
export async function outsideVocabularyNote(modelDir: string, prompt: string, example: string): Promise<string | undefined> {
  let vocab: Record<string, number> | undefined;
  try {
    vocab = JSON.parse(await readFile(join(modelDir, 'tokenizer', 'tokenizer.json'), 'utf8'))?.model?.vocab;
  } catch {
    return undefined;
  }
  if (!vocab || typeof vocab !== 'object') return undefined;
  const unknown = wordsOutsideVocabulary(prompt, vocab);
  if (!unknown.length) return undefined;
  const list = unknown.slice(0, 5).map((w) => `"${w}"`).join(', ') + (unknown.length > 5 ? ', ...' : '');
  return `note: the default model (models/sana-shapes) knows only the words of its shape scenes, like "${example}"; `
    + `${list} ${unknown.length > 1 ? 'are' : 'is'} not in its vocabulary, so it will draw shapes. `
    + 'For other prompts pass --model with a Sana checkpoint (README).';
}
