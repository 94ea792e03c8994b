// The ONNX graph against a plain float64 JavaScript Gemma-2 written from the transformers code (tiny random config).
import { describe, expect, it } from 'vitest';
import { createBackend, float16ToFloat32, int64, serializeModel, WeightError } from '@sana/core';
import type { Gemma2Config } from './gemma2-config.js';
import { buildGemma2Graph } from './gemma2-graph.js';
import { gemma2WeightShapes, randomGemma2Weights } from './gemma2-weights.js';

const C: Gemma2Config = {
  vocabSize: 50, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 3, numAttentionHeads: 4, numKeyValueHeads: 2,
  headDim: 8, rmsNormEps: 1e-6, ropeTheta: 10000, queryPreAttnScalar: 6, attnLogitSoftcapping: 0.5, slidingWindow: 3,
  layerTypes: ['sliding_attention', 'full_attention', 'sliding_attention'], maxPositionEmbeddings: 64, padTokenId: 0, bosTokenId: 2,
};

/** Random weights, kept (the graph and the reference both read them); linear weights larger than the bench's. */
function weights(): Map<string, Float32Array> {
  const r = randomGemma2Weights(C, 7);
  const m = new Map<string, Float32Array>();
  for (const k of gemma2WeightShapes(C).keys()) m.set(k, r.get(k)!.map((v) => (k.includes('norm') ? v : v * 20)));
  return m;
}

/** transformers' Gemma2Model forward (eager attention, right padding), in float64. */
function reference(W: Map<string, Float32Array>, ids: number[][], mask: number[][]): Float64Array {
  const { hiddenSize: H, numAttentionHeads: nH, numKeyValueHeads: nKV, headDim: hd, intermediateSize: F } = C;
  const B = ids.length; const L = ids[0].length;
  const lin = (x: Float64Array, key: string, out: number, inp: number) => {
    const w = W.get(key)!; const n = x.length / inp; const y = new Float64Array(n * out);
    for (let t = 0; t < n; t++) for (let o = 0; o < out; o++) { let s = 0; for (let i = 0; i < inp; i++) s += x[t * inp + i] * w[o * inp + i]; y[t * out + o] = s; }
    return y;
  };
  const norm = (x: Float64Array, key: string) => {
    const w = W.get(key)!; const y = new Float64Array(x.length);
    for (let t = 0; t < x.length / H; t++) {
      let ms = 0; for (let i = 0; i < H; i++) ms += x[t * H + i] ** 2; const r = 1 / Math.sqrt(ms / H + C.rmsNormEps);
      for (let i = 0; i < H; i++) y[t * H + i] = x[t * H + i] * r * (1 + w[i]);
    }
    return y;
  };
  const rope = (v: number, t: number, d: number, row: Float64Array, base: number) => {
    const half = hd / 2; const f = d % half; const ang = t / C.ropeTheta ** ((2 * f) / hd);
    const rot = d < half ? -row[base + d + half] : row[base + d - half];
    return v * Math.cos(ang) + rot * Math.sin(ang);
  };
  const emb = W.get('embed_tokens.weight')!;
  let x = new Float64Array(B * L * H);
  for (let b = 0; b < B; b++) for (let t = 0; t < L; t++) for (let i = 0; i < H; i++) x[(b * L + t) * H + i] = emb[ids[b][t] * H + i] * Math.sqrt(H);
  for (let l = 0; l < C.numHiddenLayers; l++) {
    const p = `layers.${l}`; const sliding = C.layerTypes[l] === 'sliding_attention';
    const h = norm(x, `${p}.input_layernorm.weight`);
    const q0 = lin(h, `${p}.self_attn.q_proj.weight`, nH * hd, H);
    const k0 = lin(h, `${p}.self_attn.k_proj.weight`, nKV * hd, H);
    const v = lin(h, `${p}.self_attn.v_proj.weight`, nKV * hd, H);
    const q = q0.map((val, i) => rope(val, Math.floor(i / (nH * hd)) % L, i % hd, q0, i - (i % hd)));
    const k = k0.map((val, i) => rope(val, Math.floor(i / (nKV * hd)) % L, i % hd, k0, i - (i % hd)));
    const att = new Float64Array(B * L * nH * hd);
    for (let b = 0; b < B; b++) for (let hh = 0; hh < nH; hh++) for (let i = 0; i < L; i++) {
      const kv = Math.floor(hh / (nH / nKV));
      const s = new Float64Array(L);
      for (let j = 0; j < L; j++) {
        let d = 0; for (let e = 0; e < hd; e++) d += q[((b * L + i) * nH + hh) * hd + e] * k[((b * L + j) * nKV + kv) * hd + e];
        d *= C.queryPreAttnScalar ** -0.5; d = Math.tanh(d / C.attnLogitSoftcapping!) * C.attnLogitSoftcapping!;
        const ok = j <= i && mask[b][j] === 1 && (!sliding || j > i - C.slidingWindow);
        s[j] = ok ? d : -Infinity;
      }
      const mx = Math.max(...s);
      // A query that sees no key: transformers adds float32 min to every score, so it attends uniformly.
      const pr = mx === -Infinity ? s.map(() => 1 / L) : s.map((z) => Math.exp(z - mx));
      const sum = pr.reduce((a, c) => a + c, 0);
      for (let e = 0; e < hd; e++) { let o = 0; for (let j = 0; j < L; j++) o += (pr[j] / sum) * v[((b * L + j) * nKV + kv) * hd + e]; att[((b * L + i) * nH + hh) * hd + e] = o; }
    }
    x = x.map((val, i) => val + norm(lin(att, `${p}.self_attn.o_proj.weight`, H, nH * hd), `${p}.post_attention_layernorm.weight`)[i]);
    const h2 = norm(x, `${p}.pre_feedforward_layernorm.weight`);
    const g = lin(h2, `${p}.mlp.gate_proj.weight`, F, H); const u = lin(h2, `${p}.mlp.up_proj.weight`, F, H);
    const a = g.map((z, i) => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3))) * u[i]);
    const m = norm(lin(a, `${p}.mlp.down_proj.weight`, H, F), `${p}.post_feedforward_layernorm.weight`);
    x = x.map((val, i) => val + m[i]);
  }
  return norm(x, 'norm.weight');
}

const ids = [[2, 7, 9, 11, 13, 17, 19, 23], [2, 5, 4, 0, 0, 0, 0, 0]];
const mask = [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0, 0]];

function relmax(a: ArrayLike<number>, b: ArrayLike<number>) {
  let d = 0; let m = 0;
  for (let i = 0; i < b.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return d / m;
}

describe('buildGemma2Graph', () => {
  const W = weights();
  const expected = reference(W, ids, mask);
  const feeds = { input_ids: int64(ids.flat(), [2, 8]), attention_mask: int64(mask.flat(), [2, 8]) };

  it('matches the transformers computation: GQA, RoPE, soft-capping, sliding window, padding (fp32)', async () => {
    const g = buildGemma2Graph(C, new Map(W));
    const s = await (await createBackend('cpu')).createSession(serializeModel(g).model);
    const out = (await s.run(feeds)).last_hidden_state;
    expect(out.dims).toEqual([2, 8, 16]);
    expect(relmax(out.data as Float32Array, expected)).toBeLessThan(1e-5);
  });

  it('fp16 weights and products stay close (norms, scores and residual in fp32)', async () => {
    const g = buildGemma2Graph(C, new Map(W), { floatType: 'float16' });
    const s = await (await createBackend('cpu')).createSession(serializeModel(g).model);
    const out = (await s.run(feeds)).last_hidden_state;
    expect(out.dtype).toBe('float16');
    expect(relmax(float16ToFloat32(out.data as Uint16Array), expected)).toBeLessThan(1e-2);
  });

  it('names a missing or mis-sized weight', () => {
    const W2 = new Map(W); W2.delete('layers.1.mlp.up_proj.weight');
    expect(() => buildGemma2Graph(C, W2)).toThrow(WeightError);
    expect(() => buildGemma2Graph(C, W2)).toThrow(/layers\.1\.mlp\.up_proj\.weight/);
    const W3 = new Map(W); W3.set('norm.weight', new Float32Array(3));
    expect(() => buildGemma2Graph(C, W3)).toThrow(/norm\.weight" has 3 elements, expected \[16\]/);
  });
});
