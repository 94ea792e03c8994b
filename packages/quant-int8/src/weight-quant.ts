// Symmetric INT8 weight quantization (Sana paper, "On-Device Deployment": per-channel symmetric INT8 weights),
// per output channel for the integer matmuls and block-wise for MatMulNBits.
// Abbreviations: K = input features, N = output features (channels), bs = block size along K.

/** Largest magnitude of a symmetric INT8 code: [-127, 127], so that -x quantizes to -q (no -128). */
export const QMAX = 127;

export interface PerChannelWeights {
  /** [K, N] row-major, round(w / scale[n]) in [-127, 127]. */
  readonly q: Int8Array;
  /** [N]: max |w[:, n]| / 127 (1 for an all-zero channel, whose codes are all 0). */
  readonly scale: Float32Array;
}

/**
 * Per-output-channel symmetric INT8 of a [K, N] row-major weight: w ~ q * scale[n].
 * @example const { q, scale } = quantizePerChannel(Float32Array.from([1, -2, 0.5, 4]), 2, 2); // scale = [1/127, 4/127]
 */
export function quantizePerChannel(w: Float32Array, k: number, n: number): PerChannelWeights {
  if (w.length !== k * n) throw new Error(`internal: weight has ${w.length} values, not ${k} x ${n}`);
  const amax = new Float32Array(n);
  for (let i = 0; i < k; i++) {
    const row = i * n;
    for (let o = 0; o < n; o++) {
      const a = Math.abs(w[row + o]);
      if (a > amax[o]) amax[o] = a;
    }
  }
  const scale = new Float32Array(n);
  const inv = new Float64Array(n);
  for (let o = 0; o < n; o++) {
    scale[o] = amax[o] > 0 ? amax[o] / QMAX : 1;
    inv[o] = 1 / scale[o];
  }
  const q = new Int8Array(k * n);
  for (let i = 0; i < k; i++) {
    const row = i * n;
    for (let o = 0; o < n; o++) q[row + o] = clampRound(w[row + o] * inv[o]);
  }
  return { q, scale };
}

export interface BlockwiseWeights {
  /** [N, kBlocks, bs] uint8: q + 128 (MatMulNBits' default 8-bit zero point), the tail of the last block 128 (= 0). */
  readonly packed: Uint8Array;
  /** [N * kBlocks]: max |w| of the block / 127. */
  readonly scales: Float32Array;
  readonly kBlocks: number;
}

/**
 * Block-wise symmetric INT8 in the layout of `com.microsoft` MatMulNBits (bits = 8): each output channel is cut
 * into blocks of `bs` inputs, one scale per block, codes stored offset by 128 so the default zero point applies.
 * @example const { packed, scales } = quantizeBlockwise(w, 1152, 1152, 128); // packed [1152, 9, 128]
 */
export function quantizeBlockwise(w: Float32Array, k: number, n: number, bs: number): BlockwiseWeights {
  if (w.length !== k * n) throw new Error(`internal: weight has ${w.length} values, not ${k} x ${n}`);
  const kBlocks = Math.ceil(k / bs);
  const packed = new Uint8Array(n * kBlocks * bs).fill(128);
  const scales = new Float32Array(n * kBlocks);
  for (let b = 0; b < kBlocks; b++) {
    const k0 = b * bs;
    const k1 = Math.min(k, k0 + bs);
    const amax = new Float32Array(n);
    for (let i = k0; i < k1; i++) {
      for (let o = 0; o < n; o++) {
        const a = Math.abs(w[i * n + o]);
        if (a > amax[o]) amax[o] = a;
      }
    }
    for (let o = 0; o < n; o++) {
      const s = amax[o] > 0 ? amax[o] / QMAX : 1;
      scales[o * kBlocks + b] = s;
      const inv = 1 / s;
      const base = (o * kBlocks + b) * bs - k0;
      for (let i = k0; i < k1; i++) packed[base + i] = clampRound(w[i * n + o] * inv) + 128;
    }
  }
  return { packed, scales, kBlocks };
}

/** Round half away from zero into [-127, 127] (torch.round is half-to-even; ties are measure-zero for real weights). */
function clampRound(x: number): number {
  const r = Math.round(Math.abs(x)) * Math.sign(x);
  return r > QMAX ? QMAX : r < -QMAX ? -QMAX : r;
}
