// The Gemma-2 text encoder as an ONNX graph: input ids -> last hidden states (Sana §2.3, "decoder-only LLM as text encoder").
// Abbreviations: g = the graph, B = batch, L = sequence length, F = the graph's float type.
import { ArgumentError, Graph, WeightError, ops, type FloatType, type Value } from '@sana/core';
import type { Gemma2Config } from './gemma2-config.js';
import { gemma2WeightShapes, type Gemma2Weights } from './gemma2-weights.js';
import { attentionContext, gemma2Attention } from './gemma2-attention.js';

export interface Gemma2GraphOptions {
  /**
   * 'float16' stores weights and runs the matrix products in fp16; the residual stream, every RMSNorm, the
   * attention scores and the softmax stay in fp32 (Gemma-2's activations overflow fp16 easily).
   */
  readonly floatType?: FloatType;
  /** Graph name (shows in error messages). */
  readonly name?: string;
}

/** Graph input and output names. */
export const GEMMA2_IO = Object.freeze({ inputIds: 'input_ids', attentionMask: 'attention_mask', output: 'last_hidden_state' });

/**
 * Gemma-2 RMSNorm in float32: x * rsqrt(mean(x^2) + eps) * (1 + w). The weight keeps its checkpoint value
 * under its checkpoint key; 1 + w is a node that ONNX Runtime folds at load.
 */
function gemmaRmsNorm(g: Graph, x: Value, key: string, w: Float32Array, eps: number): Value {
  return g.scope(key, () => {
    const scale = ops.add(g, g.weight32(`${key}.weight`, w, [w.length]), g.float(1, [], 'float32'), 'one_plus_w');
    const ms = ops.reduceMean(g, ops.mul(g, x, x), [-1]); // [B, L, 1]
    const inv = ops.reciprocal(g, ops.sqrt(g, ops.add(g, ms, g.float(eps, [], 'float32'))));
    return ops.mul(g, ops.mul(g, x, inv), scale, 'RMSNorm');
  });
}

function mlp(g: Graph, c: Gemma2Config, prefix: string, x: Value, w: (key: string) => Float32Array): Value {
  const h = c.hiddenSize;
  const f = c.intermediateSize;
  return g.scope(`${prefix}.mlp`, () => {
    const gate = ops.linear(g, x, `${prefix}.mlp.gate_proj`, w(`${prefix}.mlp.gate_proj.weight`), f, h); // [B, L, f]
    const up = ops.linear(g, x, `${prefix}.mlp.up_proj`, w(`${prefix}.mlp.up_proj.weight`), f, h); // [B, L, f]
    const act = ops.mul(g, ops.geluTanh(g, gate), up, 'gated');
    return ops.linear(g, act, `${prefix}.mlp.down_proj`, w(`${prefix}.mlp.down_proj.weight`), h, f); // [B, L, h]
  });
}

/**
 * Builds the encoder graph: `input_ids` int64 [B, L] and `attention_mask` int64 [B, L] (1 = token, 0 = padding)
 * to `last_hidden_state` [B, L, hidden] in the graph's float type, as transformers' `Gemma2Model` with eager
 * attention computes it (positions 0..L-1 whatever the padding; right padding expected).
 * Each weight is taken from `weights` once, by its checkpoint key; a missing or mis-sized one is a `WeightError`.
 * @example
 * const g = buildGemma2Graph(config, await loadGemma2Weights(store, config));
 * const session = await backend.createSession(serializeModel(g).model);
 */
export function buildGemma2Graph(c: Gemma2Config, weights: Gemma2Weights, options: Gemma2GraphOptions = {}): Graph {
  const g = new Graph(options.name ?? 'gemma2', { floatType: options.floatType ?? 'float32' });
  const F = g.floatType;
  const shapes = gemma2WeightShapes(c);
  const w = (key: string): Float32Array => {
    const shape = shapes.get(key);
    if (!shape) throw new ArgumentError('weights', `the graph asked for an unknown key "${key}"`);
    const data = weights.get(key);
    const n = shape.reduce((a, b) => a * b, 1);
    if (!data) throw new WeightError(key, `is missing (expected shape [${shape.join(', ')}])`);
    if (data.length !== n) throw new WeightError(key, `has ${data.length} elements, expected [${shape.join(', ')}] = ${n}`);
    return data;
  };

  const inputIds = g.input(GEMMA2_IO.inputIds, 'int64', ['batch', 'sequence']);
  const attentionMask = g.input(GEMMA2_IO.attentionMask, 'int64', ['batch', 'sequence']);
  const ctx = attentionContext(g, c, inputIds, attentionMask);

  let x = g.scope('embed_tokens', () => {
    const table = g.weight('embed_tokens.weight', w('embed_tokens.weight'), [c.vocabSize, c.hiddenSize]);
    const e = ops.gather(g, table, inputIds, 0); // [B, L, hidden] in F
    // transformers scales by sqrt(hidden) cast to the hidden dtype first; g.float rounds it to F the same way.
    const scaled = ops.mul(g, e, g.float(Math.sqrt(c.hiddenSize)), 'normalizer');
    return ops.castTo(g, scaled, F, 'float32'); // the residual stream is float32
  });

  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `layers.${i}`;
    const norm = (name: string, v: Value) => gemmaRmsNorm(g, v, `${p}.${name}`, w(`${p}.${name}.weight`), c.rmsNormEps);
    const sliding = c.layerTypes[i] === 'sliding_attention';
    const a = gemma2Attention(g, c, p, ops.castTo(g, norm('input_layernorm', x), 'float32', F), w, ctx, sliding);
    x = ops.add(g, x, norm('post_attention_layernorm', ops.castTo(g, a, F, 'float32')), `${p}/residual_attn`);
    const m = mlp(g, c, p, ops.castTo(g, norm('pre_feedforward_layernorm', x), 'float32', F), w);
    x = ops.add(g, x, norm('post_feedforward_layernorm', ops.castTo(g, m, F, 'float32')), `${p}/residual_mlp`);
  }

  const out = ops.castTo(g, gemmaRmsNorm(g, x, 'norm', w('norm.weight'), c.rmsNormEps), 'float32', F);
  g.output(out, GEMMA2_IO.output, F, ['batch', 'sequence', c.hiddenSize]);
  return g;
}
