// Sana's text encoder (§2.3): Gemma-2 last hidden states of CHI-prefixed prompts, as the DiT's text conditioning.
import {
  ArgumentError, FormatError, serializeModel, tensor,
  type Backend, type DType, type FloatType, type Session, type SessionOptions, type Tensor,
} from '@sana/core';
import type { Gemma2Config } from './gemma2-config.js';
import { buildGemma2Graph, GEMMA2_IO } from './gemma2-graph.js';
import type { Gemma2Weights } from './gemma2-weights.js';
import { COMPLEX_HUMAN_INSTRUCTION, DEFAULT_MAX_SEQUENCE_LENGTH, promptLayout } from './chi.js';
import { preprocessCaption, type Tokenizer } from './tokenizer.js';

export interface EncodePromptOptions {
  /** One prompt or a batch (not empty). Lower-cased and stripped as the pipeline does (`clean_caption=False`). */
  readonly prompts: string | readonly string[];
  /** One negative prompt for every row, or one per prompt (default ""). Encoded without CHI. */
  readonly negativePrompt?: string | readonly string[];
  /** CHI lines (joined with "\n"); default the official ones; null or [] for none. */
  readonly chi?: readonly string[] | null;
  /** Text tokens handed to the DiT (default 300). */
  readonly maxSequenceLength?: number;
  /** Also encode the negative prompt (classifier-free guidance). Default true. */
  readonly doCfg?: boolean;
}

export interface PromptEmbeddings {
  /** [B, maxSequenceLength, hidden] in the encoder's float type. */
  readonly embeds: Tensor;
  /** [B, maxSequenceLength] int64: 1 where `embeds` holds a token, 0 at padding. */
  readonly mask: Tensor<'int64'>;
  /** The negative prompt's, when `doCfg`. */
  readonly negEmbeds?: Tensor;
  readonly negMask?: Tensor<'int64'>;
}

export interface BuildOptions {
  readonly floatType?: FloatType;
  readonly session?: SessionOptions;
}

/**
 * A Gemma-2 encoder session plus its tokenizer. Named `GemmaTextEncoder` so that it does not shadow the
 * platform's `TextEncoder` (UTF-8) in modules that import it.
 * @example
 * const te = await GemmaTextEncoder.build(backend, config, weights, tokenizer);
 * const { embeds, mask, negEmbeds, negMask } = await te.encodePrompt({ prompts: ['a red fox'] });
 */
export class GemmaTextEncoder {
  constructor(readonly session: Session, readonly config: Gemma2Config, readonly tokenizer: Tokenizer) {
    checkVocabulary(tokenizer, config);
    for (const n of [GEMMA2_IO.inputIds, GEMMA2_IO.attentionMask]) {
      if (!session.inputNames.includes(n)) throw new ArgumentError('session', `has no input "${n}"; it is not a Gemma-2 encoder graph from buildGemma2Graph`);
    }
  }

  /**
   * Builds the graph from in-memory weights and opens a session from its bytes (browser or Node; models whose
   * weights exceed the 2 GB protobuf limit must go through the Node loader, which writes external data).
   */
  static async build(backend: Backend, config: Gemma2Config, weights: Gemma2Weights, tokenizer: Tokenizer, options: BuildOptions = {}): Promise<GemmaTextEncoder> {
    const g = buildGemma2Graph(config, weights, { floatType: options.floatType });
    let weightBytes = 0;
    for (const t of g.initializers.values()) weightBytes += t.data.byteLength;
    if (weightBytes > 1.9 * 2 ** 30) {
      throw new ArgumentError('weights', `make a ${(weightBytes / 2 ** 30).toFixed(1)} GB graph, over the 2 GB an in-memory ONNX model can hold; `
        + 'in Node use loadTextEncoder (external data on disk), or floatType float16 for a smaller model');
    }
    const bytes = serializeModel(g).model;
    const session = await backend.createSession(bytes, { label: 'text_encoder', ...options.session });
    return new GemmaTextEncoder(session, config, tokenizer);
  }

  /** Last hidden states [B, L, hidden] of `inputIds` [B, L] with `attentionMask` [B, L] (both int64, right padding). */
  async encode(inputIds: Tensor, attentionMask: Tensor): Promise<Tensor> {
    for (const [name, t] of [['inputIds', inputIds], ['attentionMask', attentionMask]] as const) {
      if (t.dtype !== 'int64' || t.dims.length !== 2) throw new ArgumentError(name, `must be an int64 [batch, length] tensor, got ${t.dtype} [${t.dims.join(', ')}]`);
    }
    if (inputIds.dims[0] !== attentionMask.dims[0] || inputIds.dims[1] !== attentionMask.dims[1]) {
      throw new ArgumentError('attentionMask', `has shape [${attentionMask.dims.join(', ')}] but inputIds has [${inputIds.dims.join(', ')}]`);
    }
    if (inputIds.dims[0] === 0 || inputIds.dims[1] === 0) throw new ArgumentError('inputIds', 'is empty');
    const ids = await inputIds.read() as BigInt64Array;
    const V = BigInt(this.config.vocabSize);
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] < 0n || ids[i] >= V) throw new ArgumentError('inputIds', `holds token id ${ids[i]} at ${i}, outside the embedding's ${V} rows`);
    }
    const out = await this.session.run({ [GEMMA2_IO.inputIds]: inputIds, [GEMMA2_IO.attentionMask]: attentionMask });
    return out[GEMMA2_IO.output];
  }

  /**
   * Prompt embeddings as diffusers' `SanaPipeline.encode_prompt`: CHI + prompt padded to
   * `chi_tokens + maxSequenceLength - 2`, encoded, then the first token and the last `maxSequenceLength - 1`
   * kept (states and mask); the negative prompt without CHI, `maxSequenceLength` long, kept whole.
   */
  async encodePrompt(options: EncodePromptOptions): Promise<PromptEmbeddings> {
    const prompts = typeof options.prompts === 'string' ? [options.prompts] : options.prompts;
    if (!Array.isArray(prompts) || prompts.length === 0) throw new ArgumentError('prompts', 'is empty; give at least one prompt');
    prompts.forEach((p, i) => { if (typeof p !== 'string') throw new ArgumentError(`prompts[${i}]`, `must be a string, got ${typeof p}`); });
    const maxSequenceLength = options.maxSequenceLength ?? DEFAULT_MAX_SEQUENCE_LENGTH;
    const chi = options.chi === undefined ? COMPLEX_HUMAN_INSTRUCTION : options.chi;

    let texts = prompts.map(preprocessCaption);
    let chiTokens: number | null = null;
    if (chi && chi.length) {
      const chiText = chi.join('\n');
      chiTokens = this.tokenizer.encodeIds(chiText).length; // with <bos>, as `len(tokenizer.encode(chi_prompt))`
      texts = texts.map((t) => chiText + t);
    }
    const layout = promptLayout(chiTokens, maxSequenceLength);
    const cond = this.tokenizer.encode(texts, { maxLength: layout.totalLength, padding: 'max_length', truncation: true });
    const hidden = await this.encode(cond.inputIds, cond.attentionMask);
    const embeds = await selectPositions(hidden, layout.selectIndex);
    const mask = await selectPositions(cond.attentionMask, layout.selectIndex) as Tensor<'int64'>;
    if (options.doCfg === false) return { embeds, mask };

    const neg = options.negativePrompt ?? '';
    const negs = typeof neg === 'string' ? prompts.map(() => neg) : neg;
    if (!Array.isArray(negs) || negs.length !== prompts.length) {
      throw new ArgumentError('negativePrompt', `has ${Array.isArray(negs) ? negs.length : 0} entries for ${prompts.length} prompts; give one string or one per prompt`);
    }
    const unc = this.tokenizer.encode(negs.map(preprocessCaption), { maxLength: maxSequenceLength, padding: 'max_length', truncation: true });
    const negEmbeds = await this.encode(unc.inputIds, unc.attentionMask);
    return { embeds, mask, negEmbeds, negMask: unc.attentionMask };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Every id the tokenizer can produce must have a row in the embedding; else the folders are of different models. */
export function checkVocabulary(tokenizer: Tokenizer, config: Gemma2Config): void {
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new FormatError(
      `has ${tokenizer.vocabSize} tokens but the text encoder's embedding (embed_tokens.weight, vocab_size) has ${config.vocabSize} rows; `
      + 'the tokenizer and the text encoder do not belong to the same model', tokenizer.name);
  }
}

/** Keeps positions `index` of axis 1 of a [B, L, ...] tensor (copied to the CPU). */
export async function selectPositions(t: Tensor, index: readonly number[]): Promise<Tensor> {
  const [B, L] = t.dims;
  const inner = t.dims.slice(2).reduce((a, b) => a * b, 1);
  const src = await t.read();
  const Ctor = src.constructor as new (n: number) => typeof src;
  const out = new Ctor(B * index.length * inner);
  for (let b = 0; b < B; b++) {
    index.forEach((p, j) => {
      if (p < 0 || p >= L) throw new ArgumentError('index', `position ${p} is outside the sequence of ${L}`);
      const from = (b * L + p) * inner;
      (out as Float32Array).set((src as Float32Array).subarray(from, from + inner), (b * index.length + j) * inner);
    });
  }
  return tensor(t.dtype as DType, out as never, [B, index.length, ...t.dims.slice(2)]);
}
