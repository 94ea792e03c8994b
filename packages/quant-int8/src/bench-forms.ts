// Benchmark target `int8-forms` (`pnpm bench --quant`): one DiT-sized linear layer in every INT8 form ORT CPU can
// run, against fp32 MatMul, interleaved in one process: the measurement behind the pass's choice of ops.
// Abbreviations: M = rows (batch x tokens), K / N = in / out features, x = the activation.
import { Graph, compareArrays, createBackend, median, randn, serializeModel, tensor, timeInterleaved, type Device, type Value } from '@sana/core';
import { MS_DOMAIN } from './w8a8-cpu.js';
import { QMAX, quantizeBlockwise, quantizePerChannel } from './weight-quant.js';

interface Ctx { readonly device: Device; readonly threads?: number; readonly quick: boolean }

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

type Form = (g: Graph, x: Value, w: Float32Array, k: number, n: number) => Value;

/** The forms, by name; each builds y = x @ W ([2, M/2, K] @ [K, N]) into `g`. */
const FORMS: Record<string, Form> = {
  fp32_matmul: (g, x, w, k, n) => g.node('MatMul', [x, g.initializer('w', tensor('float32', w, [k, n]))]),
  dynamic_quantize_matmul: (g, x, w, k, n) => {
    const q = quantizePerChannel(w, k, n);
    return g.node('DynamicQuantizeMatMul', [x, g.initializer('wq', tensor('int8', q.q, [k, n])), g.initializer('ws', tensor('float32', q.scale, [n]))], {}, { domain: MS_DOMAIN });
  },
  dql_matmulinteger_cast_mul: (g, x, w, k, n) => {
    const q = quantizePerChannel(w, k, n);
    const [xq, xs, xz] = g.nodeMulti('DynamicQuantizeLinear', [x], {}, { outputs: 3 });
    const acc = g.node('MatMulInteger', [xq, g.initializer('wq', tensor('int8', q.q, [k, n])), xz]);
    return g.node('Mul', [g.node('Cast', [acc], { to: 1 }), g.node('Mul', [xs, g.initializer('ws', tensor('float32', q.scale, [n]))])]);
  },
  dql_matmulintegertofloat: (g, x, w, k, n) => {
    const q = quantizePerChannel(w, k, n);
    const [xq, xs, xz] = g.nodeMulti('DynamicQuantizeLinear', [x], {}, { outputs: 3 });
    return g.node('MatMulIntegerToFloat', [xq, g.initializer('wq', tensor('int8', q.q, [k, n])), xs, g.initializer('ws', tensor('float32', q.scale, [n])), xz], {}, { domain: MS_DOMAIN });
  },
  per_token_u8_matmulintegertofloat: (g, x, w, k, n) => perToken(g, x, w, k, n, true),
  per_token_s8_matmulintegertofloat: (g, x, w, k, n) => perToken(g, x, w, k, n, false),
  matmulnbits_acc0_bs128: (g, x, w, k, n) => nbits(g, x, w, k, n, 0),
  matmulnbits_acc4_bs128: (g, x, w, k, n) => nbits(g, x, w, k, n, 4),
};

/** The pass's per-token form (u8: codes + 128, zero point 128) or plain int8 codes (s8s8). */
function perToken(g: Graph, x: Value, w: Float32Array, k: number, n: number, u8: boolean): Value {
  const q = quantizePerChannel(w, k, n);
  const amax = g.node('ReduceMax', [g.node('Abs', [x])], { axes: [-1], keepdims: 1 });
  const s = g.node('Div', [g.node('Max', [amax, g.float(1e-30)]), g.float(QMAX)]);
  const r = g.node('Round', [g.node('Div', [x, s])]);
  const xq = g.node('Cast', [u8 ? g.node('Add', [r, g.float(128)]) : r], { to: u8 ? 2 : 3 });
  const ins = [xq, g.initializer('wq', tensor('int8', q.q, [k, n])), g.float(1), g.initializer('ws', tensor('float32', q.scale, [n]))];
  if (u8) ins.push(g.initializer('zp', tensor('uint8', Uint8Array.from([128]), [])));
  return g.node('Mul', [g.node('MatMulIntegerToFloat', ins, {}, { domain: MS_DOMAIN }), s]);
}

function nbits(g: Graph, x: Value, w: Float32Array, k: number, n: number, acc: number): Value {
  const q = quantizeBlockwise(w, k, n, 128);
  return g.node('MatMulNBits', [x, g.initializer('b', tensor('uint8', q.packed, [n, q.kBlocks, 128])), g.initializer('s', tensor('float32', q.scales, [q.scales.length]))], {
    K: k, N: n, bits: 8, block_size: 128, accuracy_level: acc,
  }, { domain: MS_DOMAIN });
}

/** Times every form on x of `dims` (weights w of `k` x `n`): 2 warm-ups, then `runs` interleaved rounds; median per form. */
async function timeForms(candidates: Record<string, Form>, dims: number[], w: Float32Array, k: number, n: number, ctx: Ctx, runs: number) {
  const x = tensor('float32', randn(dims, 4), dims);
  const backend = await createBackend(ctx.device);
  const sessions = [];
  for (const [name, form] of Object.entries(candidates)) {
    const g = new Graph(name);
    g.output(form(g, g.input('x', 'float32', dims), w, k, n), 'y', 'float32');
    sessions.push({ name, s: await backend.createSession(serializeModel(g).model, { label: name, threads: ctx.threads }) });
  }
  const outs: Float32Array[] = [];
  for (const { s } of sessions) { outs.push((await s.run({ x })).y.data as Float32Array); await s.run({ x }); }
  const ms = await timeInterleaved(sessions.map(({ s }) => () => s.run({ x })), runs);
  const base = median(ms[0]);
  const forms: Record<string, unknown> = {};
  sessions.forEach(({ name }, i) => {
    forms[name] = { median_ms: round(median(ms[i])), min_ms: round(Math.min(...ms[i])), speedup_vs_fp32: round(base / median(ms[i])), relmax_vs_fp32: Number(compareArrays(outs[i], outs[0], 'relmax').toExponential(2)) };
  });
  for (const { s } of sessions) await s.release();
  return forms;
}

/** The matmul forms on [2, M/2, K] x [K, N]. */
export async function benchForms(m: number, k: number, n: number, ctx: Ctx, runs: number) {
  const w = randn([k, n], 3).map((v) => v / Math.sqrt(k));
  return { shape: `[${m}, ${k}] x [${k}, ${n}]`, forms: await timeForms(FORMS, [2, m / 2, k], w, k, n, ctx, runs) };
}

/** A k x k conv (weight [N, C, k, k], "same" padding) as fp32 Conv, DynamicQuantizeLinear + ConvInteger, and (1x1) the pass's NHWC form. */
export async function benchConvForms(dims: [number, number, number, number], n: number, ks: number, ctx: Ctx, runs: number) {
  const c = dims[1];
  const w = randn([n, c, ks, ks], 3).map((v) => v / Math.sqrt(c * ks * ks));
  const pads = new Array<number>(4).fill((ks - 1) / 2);
  const forms: Record<string, Form> = {
    fp32_conv: (g, x) => g.node('Conv', [x, g.initializer('w', tensor('float32', w, [n, c, ks, ks]))], { pads }),
    dql_convinteger_cast_mul: (g, x) => {
      // ConvInteger on ORT CPU takes uint8 weights: per-channel symmetric codes + 128, zero point 128.
      const per = c * ks * ks;
      const q = quantizePerChannel(transposeNK(w, n, per), per, n);
      const u = new Uint8Array(n * per);
      for (let o = 0; o < n; o++) for (let i = 0; i < per; i++) u[o * per + i] = q.q[i * n + o] + 128;
      const [xq, xs, xz] = g.nodeMulti('DynamicQuantizeLinear', [x], {}, { outputs: 3 });
      const acc = g.node('ConvInteger', [xq, g.initializer('wq', tensor('uint8', u, [n, c, ks, ks])), xz, g.initializer('wz', tensor('uint8', Uint8Array.from([128]), []))], { pads });
      return g.node('Mul', [g.node('Mul', [g.node('Cast', [acc], { to: 1 }), xs]), g.initializer('ws', tensor('float32', q.scale, [n, 1, 1]))]);
    },
  };
  if (ks === 1) {
    forms.transpose_dql_matmulintegertofloat_transpose = (g, x) => {
      const t = g.node('Transpose', [x], { perm: [0, 2, 3, 1] });
      const y = FORMS.dql_matmulintegertofloat(g, t, transposeNK(w, n, c), c, n);
      return g.node('Transpose', [y], { perm: [0, 3, 1, 2] });
    };
  }
  return { shape: `conv ${ks}x${ks} [${dims.join(', ')}] -> ${n} channels`, forms: await timeForms(forms, dims, w, c, n, ctx, runs) };
}

/** [N, K] row-major -> [K, N]. */
function transposeNK(w: Float32Array, n: number, k: number): Float32Array {
  const out = new Float32Array(n * k);
  for (let o = 0; o < n; o++) for (let i = 0; i < k; i++) out[i * n + o] = w[o * k + i];
  return out;
}

export const int8FormsBench = {
  name: 'int8-forms',
  description: 'one Sana-600M linear (512 rows: 512px, batch 2) in each INT8 form ORT CPU runs vs fp32 MatMul; 1x1 and DC-AE 3x3 convs vs ConvInteger; interleaved',
  quant: true,
  async run(ctx: Ctx) {
    const runs = ctx.quick ? 5 : 15;
    // attn1.to_q (1152 -> 1152), ff.conv_inverted (1152 -> 5760), ff.conv_point (2880 -> 1152)
    const shapes = ctx.quick ? [[512, 1152, 1152]] : [[512, 1152, 1152], [512, 1152, 5760], [512, 2880, 1152]];
    const results = [];
    for (const [m, k, n] of shapes) results.push(await benchForms(m, k, n, ctx, runs));
    // GLUMBConv's conv_inverted as a 1x1 conv; DC-AE ResBlock 3x3 convs at three stage sizes (1024px decoder).
    results.push(await benchConvForms([2, 1152, 16, 16], 5760, 1, ctx, runs));
    if (!ctx.quick) for (const [ch, hw] of [[128, 128], [256, 64], [512, 32]]) results.push(await benchConvForms([1, ch, hw, hw], ch, 3, ctx, runs));
    return { threads: ctx.threads ?? 'ort-default', runs, timing: 'interleaved, order alternating per round; median', results };
  },
};
