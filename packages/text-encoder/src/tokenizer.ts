// The Gemma tokenizer (Sana §2.3): HF tokenizer.json through @huggingface/tokenizers, plus <bos>, right padding, truncation.
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { ArgumentError, FormatError, int64, type Tensor } from '@sana/core';

export interface EncodeOptions {
  /** Target length for 'max_length' padding and for truncation (counting <bos>). */
  readonly maxLength?: number;
  /** 'max_length': pad every row to maxLength; 'longest': to the longest row (default). Padding is on the right. */
  readonly padding?: 'max_length' | 'longest';
  /** Cut rows longer than maxLength, keeping the first tokens (default false: such a row is an error). */
  readonly truncation?: boolean;
  /** Put <bos> first, as HF `add_special_tokens=True` does for Gemma (default true). */
  readonly addBos?: boolean;
}

export interface EncodedBatch {
  /** [B, L] int64 token ids, right-padded with the pad token. */
  readonly inputIds: Tensor<'int64'>;
  /** [B, L] int64, 1 for tokens and 0 for padding. */
  readonly attentionMask: Tensor<'int64'>;
  /** Tokens per row (before padding). */
  readonly lengths: readonly number[];
}

type Json = Record<string, unknown>;

/** A special token of tokenizer_config.json: a string, or an AddedToken object with `content`. */
function specialToken(config: Json, key: string): string | undefined {
  const v = config[key];
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Json).content === 'string') return (v as Json).content as string;
  return undefined;
}

/**
 * A tokenizer over HF `tokenizer.json` + `tokenizer_config.json` contents, producing exactly the ids of HF
 * tokenizers (Gemma's BPE with byte fallback), batched into int64 tensors.
 * @example
 * const tok = Tokenizer.fromJson(await (await fetch('tokenizer/tokenizer.json')).json(),
 *                                await (await fetch('tokenizer/tokenizer_config.json')).json());
 * const { inputIds, attentionMask } = tok.encode(['a red circle'], { maxLength: 300, padding: 'max_length', truncation: true });
 */
export class Tokenizer {
  /** Ids the tokenizer can produce: every id is below this (added tokens included). */
  readonly vocabSize: number;
  readonly bosId: number;
  readonly padId: number | undefined;

  private constructor(private readonly hf: HfTokenizer, config: Json, readonly name: string) {
    let max = -1;
    for (const id of hf.get_vocab(true).values()) if (id > max) max = id;
    this.vocabSize = max + 1;
    const bos = specialToken(config, 'bos_token') ?? '<bos>';
    const bosId = hf.token_to_id(bos);
    if (bosId === undefined) throw new FormatError(`bos_token ${JSON.stringify(bos)} is not in the vocabulary`, name);
    this.bosId = bosId;
    const pad = specialToken(config, 'pad_token');
    this.padId = pad === undefined ? undefined : hf.token_to_id(pad);
    if (pad !== undefined && this.padId === undefined) throw new FormatError(`pad_token ${JSON.stringify(pad)} is not in the vocabulary`, name);
  }

  /**
   * From parsed `tokenizer.json` and `tokenizer_config.json` (works in browsers: no file access here).
   * `name` is used in error messages (e.g. the file path).
   */
  static fromJson(tokenizerJson: unknown, tokenizerConfigJson: unknown = {}, name = 'tokenizer.json'): Tokenizer {
    const tj = tokenizerJson as Json | null;
    if (typeof tj !== 'object' || tj === null || Array.isArray(tj)) throw new FormatError('is not a tokenizer: expected a JSON object', name);
    const model = tj.model as Json | undefined;
    if (typeof model !== 'object' || model === null || typeof model.type !== 'string' || typeof model.vocab !== 'object') {
      throw new FormatError('is not a tokenizer: it has no "model" with a "type" and a "vocab" (expected an HF tokenizers tokenizer.json)', name);
    }
    // A hand-edited vocab can hold any JSON value as an id; refuse it here, not as a BigInt error at encode time.
    const ids: [string, unknown][] = [
      ...(Array.isArray(model.vocab) ? [] : Object.entries(model.vocab as Json).map(([t, id]) => [`model.vocab[${JSON.stringify(t)}]`, id] as [string, unknown])),
      ...(Array.isArray(tj.added_tokens) ? tj.added_tokens.map((t, i) => [`added_tokens[${i}].id`, (t as Json | null)?.id] as [string, unknown]) : []),
    ];
    for (const [field, id] of ids) {
      if (!Number.isSafeInteger(id) || (id as number) < 0) throw new FormatError(`${field} is ${JSON.stringify(id)}; token ids must be integers >= 0`, name);
    }
    const cfg = (tokenizerConfigJson ?? {}) as Json;
    if (typeof cfg !== 'object' || Array.isArray(cfg)) throw new FormatError('tokenizer_config.json must be a JSON object', name);
    let hf: HfTokenizer;
    try {
      // tokenizers.js expects every component key to be present (null when absent), as tokenizers writes them.
      const full = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [], ...tj };
      hf = new HfTokenizer(full, cfg);
    } catch (e) {
      throw new FormatError(`could not be loaded by @huggingface/tokenizers: ${(e as Error).message}`, name, { cause: e });
    }
    return new Tokenizer(hf, cfg, name);
  }

  /** Token ids of one text, with <bos> first unless `addBos` is false. */
  encodeIds(text: string, addBos = true): number[] {
    if (typeof text !== 'string') throw new ArgumentError('text', `must be a string, got ${typeof text}`);
    const ids = this.hf.encode(text, { add_special_tokens: false }).ids;
    return addBos ? [this.bosId, ...ids] : ids;
  }

  /**
   * Tokenizes a batch into right-padded [B, L] tensors, as HF `tokenizer(texts, padding=..., max_length=...,
   * truncation=..., add_special_tokens=True)` does with `padding_side="right"`.
   */
  encode(texts: readonly string[], options: EncodeOptions = {}): EncodedBatch {
    if (!Array.isArray(texts) || texts.length === 0) throw new ArgumentError('texts', 'is empty; give at least one text');
    const { maxLength, padding = 'longest', truncation = false, addBos = true } = options;
    if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 1)) {
      throw new ArgumentError('maxLength', `must be a positive integer, got ${maxLength}`);
    }
    if ((padding === 'max_length' || truncation) && maxLength === undefined) {
      throw new ArgumentError('maxLength', `is required with ${truncation ? 'truncation' : "padding: 'max_length'"}`);
    }
    const rows = texts.map((t, i) => {
      const ids = this.encodeIds(t, false);
      const room = maxLength === undefined ? Infinity : maxLength - (addBos ? 1 : 0);
      if (ids.length > room) {
        if (!truncation) throw new ArgumentError('truncation', `text ${i} has ${ids.length + (addBos ? 1 : 0)} tokens, more than maxLength ${maxLength}; pass truncation: true`);
        ids.length = room; // HF truncates the text (right side) and then adds <bos>
      }
      return addBos ? [this.bosId, ...ids] : ids;
    });
    const lengths = rows.map((r) => r.length);
    const L = padding === 'max_length' ? maxLength! : Math.max(...lengths);
    if (L > Math.min(...lengths) && this.padId === undefined) throw new ArgumentError('padding', `${this.name} has no pad_token, so rows of different lengths cannot be padded`);
    const ids = new Array<number>(rows.length * L).fill(this.padId ?? 0);
    const mask = new Array<number>(rows.length * L).fill(0);
    rows.forEach((r, b) => r.forEach((id, j) => { ids[b * L + j] = id; mask[b * L + j] = 1; }));
    return { inputIds: int64(ids, [rows.length, L]), attentionMask: int64(mask, [rows.length, L]), lengths };
  }

  /** Text of `ids` (special tokens kept unless `skipSpecial`). */
  decode(ids: readonly number[], skipSpecial = false): string {
    return ids.length ? this.hf.decode([...ids], { skip_special_tokens: skipSpecial }) : '';
  }
}

const PY_SPACE = ' \t\n\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

/**
 * The Sana pipeline's caption preprocessing without `clean_caption`: Python `text.lower().strip()`
 * (Python's whitespace set, which is not JavaScript's `trim()` set).
 */
export function preprocessCaption(text: string): string {
  const s = text.toLowerCase();
  let a = 0;
  let b = s.length;
  while (a < b && PY_SPACE.includes(s[a])) a++;
  while (b > a && PY_SPACE.includes(s[b - 1])) b--;
  return s.slice(a, b);
}
