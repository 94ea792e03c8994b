// Writes models/sana-shapes/tokenizer/: a Gemma-style BPE tokenizer.json (byte fallback, "▁" for spaces, no
// pre-tokenizer) whose merges spell every word of the complex human instruction and of the sana-shapes captions
// as one token, so the tiny text encoder reads words, not letters. Other text falls back to letters and bytes.
//   pnpm tsx scripts/make-shapes-tokenizer.ts [OUT_DIR]
import { mkdirSync, writeFileSync } from 'node:fs';
import { COMPLEX_HUMAN_INSTRUCTION } from '@sana/text-encoder';
import {
  BACKGROUND_NAMES, COLOR_NAMES, COUNT_WORDS, POSITIONS, RELATIONS, SHAPE_NAMES, SIZE_NAMES, plural,
} from '@sana/scenes';

const out = process.argv[2] ?? 'models/sana-shapes/tokenizer';
const SP = '\u2581';
const SPECIALS = ['<pad>', '<eos>', '<bos>', '<unk>'];

const domain = [
  ...COLOR_NAMES, ...SHAPE_NAMES, ...SHAPE_NAMES.map(plural), ...SIZE_NAMES, ...BACKGROUND_NAMES,
  ...Object.values(COUNT_WORDS), ...Object.values(POSITIONS).flatMap((p) => p.split(' ')), ...RELATIONS.flatMap((r) => r.split(' ')),
  'a', 'an', 'one', 'and', 'background', 'to', 'the', 'big', 'tiny', 'next', 'image', 'picture', 'of', 'with',
];
const text = `${COMPLEX_HUMAN_INSTRUCTION.join('\n')} ${domain.join(' ')}`;
// Words as the BPE sees them: after the normalizer turns spaces into "▁", a word is "▁" + letters, cut at
// anything that is not a letter (punctuation and newlines stay single characters).
const words = new Set<string>();
for (const m of text.replace(/ /g, SP).matchAll(new RegExp(`${SP}?[A-Za-z']+`, 'g'))) words.add(m[0]);

const vocab = new Map<string, number>();
const add = (t: string) => { if (!vocab.has(t)) vocab.set(t, vocab.size); };
SPECIALS.forEach(add);
for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
for (const ch of [...new Set([...text.replace(/ /g, SP)])].sort()) if (ch !== '\n') add(ch);
add(SP);
// Merges extend a word one letter at a time from its left end: the only merges whose left side is a word
// prefix, so a known word always merges whole and merges never cross a word boundary.
const merges: [string, string][] = [];
const seen = new Set<string>();
for (const w of [...words].sort()) {
  const chars = [...w];
  let left = chars[0];
  for (const c of chars.slice(1)) {
    const m = left + c;
    if (!seen.has(m)) { seen.add(m); merges.push([left, c]); add(m); }
    left = m;
  }
}
const vocabSize = Math.ceil(vocab.size / 64) * 64;
const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: SPECIALS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
  normalizer: { type: 'Replace', pattern: { String: ' ' }, content: SP },
  pre_tokenizer: null,
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<bos>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '<bos>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<bos>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }],
    special_tokens: { '<bos>': { id: '<bos>', ids: [2], tokens: ['<bos>'] } },
  },
  decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: SP }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }] },
  model: {
    type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null,
    fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab: Object.fromEntries(vocab), merges,
  },
};
const config = {
  backend: 'tokenizers', bos_token: '<bos>', eos_token: '<eos>', model_max_length: 1000000000000000019884624838656,
  pad_token: '<pad>', padding_side: 'right', tokenizer_class: 'TokenizersBackend', unk_token: '<unk>',
};
mkdirSync(out, { recursive: true });
writeFileSync(`${out}/tokenizer.json`, `${JSON.stringify(tokenizer, null, 1)}\n`);
writeFileSync(`${out}/tokenizer_config.json`, `${JSON.stringify(config, null, 2)}\n`);
process.stderr.write(`wrote ${out}: ${vocab.size} tokens (${words.size} words, ${merges.length} merges); text encoder vocab_size ${vocabSize}\n`);
