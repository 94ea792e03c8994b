// Diagnostic for the embedded model's text encoder: does it tell the domain's words apart? For prompt pairs that
// differ in one word class (color, shape, position, relation), the cosine similarity of the encoder's states at
// each aligned token of the two prompts (CHI + caption, encoded as the pipeline does). The DiT can only follow a
// word whose states differ: a pair at cosine ~1.0 everywhere is a word the model cannot see.
//   pnpm tsx scripts/shapes-text-probe.ts [--model DIR]
import { loadTextEncoder } from '@sana/text-encoder';
import { SHAPES_MODEL, exitOnSanaError } from './shapes-eval.js';

const args = process.argv.slice(2);
const model = args.includes('--model') ? args[args.indexOf('--model') + 1] : SHAPES_MODEL;

/** Pairs with the same number of words, so the captions' tokens align (one token per domain word). */
const PAIRS: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  color: [['a red circle on the left', 'a blue circle on the left'], ['a green star and a yellow square', 'a purple star and a yellow square']],
  shape: [['a red circle on the left', 'a red square on the left'], ['a red circle left of a blue square', 'a red square left of a blue circle']],
  position: [['a red circle on the left', 'a red circle on the right'], ['a blue star at the top', 'a blue star at the bottom']],
  relation: [['a red circle left of a blue square', 'a red circle right of a blue square'], ['a green triangle above a yellow star', 'a green triangle below a yellow star']],
};

/**
 * Pairs with the same words in another order. The DiT's cross-attention has no token order of its own, so it sees a
 * prompt as the set of its states: these two mean different scenes only if some state of one has no close match
 * among the other's (`bag_min_cosine`, each caption token's best match in the other prompt, the worst of them).
 */
const ORDER_PAIRS: readonly (readonly [string, string])[] = [
  ['a red circle left of a blue square', 'a blue square left of a red circle'],
  ['a red circle left of a blue square', 'a blue circle left of a red square'],
  ['a green star and a yellow square', 'a yellow star and a green square'],
];

// A bad --model names the file at fault in one line, as `pnpm eval` does, not with a stack trace.
const te = await loadTextEncoder(model, { session: { threads: 1 } }).catch(exitOnSanaError('shapes-text-probe'));
const cosine = (a: Float32Array, b: Float32Array) => {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
};
/** The states of the caption tokens of `a` and `b` ([prompt][token] -> [C]): each row's last `words` unmasked positions
 * (one token per domain word), encoded as the pipeline does. */
async function captionStates(a: string, b: string): Promise<Float32Array[][]> {
  const r = await te.encodePrompt({ prompts: [a, b], doCfg: false });
  const [, L, C] = r.embeds.dims; // [2, L, C]
  const e = r.embeds.data as Float32Array;
  const m = r.mask.data as BigInt64Array;
  const words = a.split(' ').length;
  return [0, 1].map((p) => [...Array(L).keys()].filter((t) => m[p * L + t]).slice(-words).map((t) => e.subarray((p * L + t) * C, (p * L + t + 1) * C)));
}
for (const [kind, pairs] of Object.entries(PAIRS)) {
  for (const [a, b] of pairs) {
    const [sa, sb] = await captionStates(a, b);
    const caption = sa.map((x, t) => cosine(x, sb[t])); // aligned tokens
    console.log(JSON.stringify({ kind, a, b, min_cosine: +Math.min(...caption).toFixed(4), mean_cosine_caption: +(caption.reduce((x, y) => x + y, 0) / caption.length).toFixed(4), last_token: +caption.at(-1)!.toFixed(4) }));
  }
}
for (const [a, b] of ORDER_PAIRS) {
  const [sa, sb] = await captionStates(a, b);
  const worst = Math.min(...sa.map((x) => Math.max(...sb.map((y) => cosine(x, y))))); // each token's best match, the worst of them
  console.log(JSON.stringify({ kind: 'order', a, b, bag_min_cosine: +worst.toFixed(4) }));
}
await te.release();
