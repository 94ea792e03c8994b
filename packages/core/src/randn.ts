// torch-compatible seeded normal noise: the exact values of torch.randn(shape, generator=manual_seed(seed)) on the CPU.
import { numel } from './dtype.js';

/** MT19937, the generator behind torch's CPU `Generator`. */
export class MT19937 {
  private readonly mt = new Uint32Array(624);
  private i = 624;
  constructor(seed: number | bigint) {
    const mt = this.mt;
    mt[0] = Number(BigInt(seed) & 0xffffffffn);
    for (let j = 1; j < 624; j++) {
      const prev = mt[j - 1] ^ (mt[j - 1] >>> 30);
      // 1812433253 * prev + j in uint32 arithmetic (split the multiply to stay exact)
      mt[j] = ((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + j;
    }
  }
  /** The next 32-bit output. */
  next(): number {
    const mt = this.mt;
    if (this.i >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.i = 0;
    }
    let y = mt[this.i++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

const F = Math.fround;
/**
 * Fused multiply-add in float32: a*b of two floats is exact in a double, so one rounding of the sum
 * to double and one to float. (The double rounding could differ from a true fma in rare ties; no
 * reference value shows it.)
 */
const fma = (a: number, b: number, c: number) => F(a * b + c);

/** torch `uniform_real_distribution<float>(0, 1)`: 24 random bits of one 32-bit draw. */
function uniformFloat(g: MT19937): number {
  return (g.next() & 0xffffff) / 16777216;
}

/** torch `uniform_real_distribution<double>(0, 1)`: 53 bits of a 64-bit draw (first draw is the high word). */
function uniformDouble(g: MT19937): number {
  const hi = g.next();
  const lo = g.next();
  // (hi << 32 | lo) & (2^53 - 1), divided by 2^53
  return ((hi & 0x1fffff) * 4294967296 + lo) / 9007199254740992;
}

// torch's AVX2 `normal_fill_16_AVX2` uses avx_mathfun's Cephes polynomials (log256_ps, sincos256_ps) in
// float32, compiled with FMA contraction. Correctly rounded Math.log/cos differ from them by an ulp on
// ~15% of values, so the polynomials are reproduced op for op, each rounded to float32.
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
const LOG_P = [-1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1].map(F);

/** avx_mathfun `log256_ps` for x in (0, 1]. */
function logf(x0: number): number {
  f32[0] = x0;
  const exponent = (i32[0] >>> 23) - 0x7f;
  i32[0] = (i32[0] & ~0x7f800000) | 0x3f000000; // mantissa in [0.5, 1)
  let x = f32[0];
  let e = F(exponent + 1);
  const small = x < F(0.707106781186547524);
  const tmp = small ? x : 0;
  x = F(x - 1);
  if (small) e = F(e - 1);
  x = F(x + tmp);
  const z = F(x * x);
  let y = F(7.0376836292e-2);
  for (const p of LOG_P) y = fma(y, x, p);
  y = F(y * x);
  y = fma(y, z, F(e * F(-2.12194440e-4)));
  y = fma(-z, 0.5, y);
  x = F(x + y);
  return fma(e, F(0.693359375), x);
}

/** avx_mathfun `sincos256_ps` for x >= 0: [sin, cos]. */
function sincosf(x: number): [number, number] {
  let j = Math.trunc(F(x * F(1.27323954473516))); // x * 4/pi
  j = (j + 1) & ~1;
  const y = j;
  x = fma(y, F(-0.78515625), x); // extended-precision x - j * pi/4
  x = fma(y, F(-2.4187564849853515625e-4), x);
  x = fma(y, F(-3.77489497744594108e-8), x);
  const z = F(x * x);
  let c = fma(fma(F(2.443315711809948e-5), z, F(-1.388731625493765e-3)), z, F(4.166664568298827e-2));
  c = F(c * z);
  c = F(F(c * z - F(z * 0.5)) + 1);
  let s = fma(fma(F(-1.9515295891e-4), z, F(8.3321608736e-3)), z, F(-1.6666654611e-1));
  s = fma(F(s * z), x, x);
  const polyMask = (j & 2) === 0;
  let sin = polyMask ? s : c;
  let cos = polyMask ? c : s;
  if (j & 4) sin = -sin;
  if (~(j - 2) & 4) cos = -cos;
  return [sin, cos];
}

const TWO_PI_F = F(2 * Math.PI);

/** Box-Muller on 16 uniforms in place, as torch's `normal_fill_16_AVX2`. */
function normalFill16(d: Float32Array, o: number) {
  for (let j = 0; j < 8; j++) {
    const u1 = F(1 - d[o + j]);
    const radius = F(Math.sqrt(F(-2 * logf(u1))));
    const [s, c] = sincosf(F(TWO_PI_F * d[o + j + 8]));
    d[o + j] = F(radius * c);
    d[o + j + 8] = F(radius * s);
  }
}

/**
 * A torch CPU `Generator`: one MT19937 stream from which successive `randn` calls draw, as
 * `torch.randn(shape, generator=g)` does call after call (Sana-Sprint's SCM steps draw their noise from
 * the generator that drew the initial latents). Holds torch's cached second Box-Muller sample too.
 * @example
 * const g = new TorchGenerator(42);
 * const latents = g.randn([1, 32, 32, 32]);
 * const noise = g.randn([1, 32, 32, 32]); // the same values torch gives for its second call
 */
export class TorchGenerator {
  private readonly mt: MT19937;
  private cachedNormal: number | undefined;
  constructor(seed: number | bigint) {
    this.mt = new MT19937(seed);
  }

  randn(shape: readonly number[]): Float32Array {
    const g = this.mt;
    const n = numel(shape);
    const out = new Float32Array(n);
    if (n >= 16) {
      for (let i = 0; i < n; i++) out[i] = uniformFloat(g);
      for (let i = 0; i + 16 <= n; i += 16) normalFill16(out, i);
      if (n % 16 !== 0) {
        // torch redraws the last 16 values and transforms them again
        for (let i = n - 16; i < n; i++) out[i] = uniformFloat(g);
        normalFill16(out, n - 16);
      }
      return out;
    }
    for (let i = 0; i < n; i++) {
      if (this.cachedNormal !== undefined) { out[i] = this.cachedNormal; this.cachedNormal = undefined; continue; }
      const u1 = uniformDouble(g);
      const u2 = uniformDouble(g);
      const r = Math.sqrt(-2 * Math.log1p(-u2));
      const theta = 2 * Math.PI * u1;
      this.cachedNormal = r * Math.sin(theta);
      out[i] = r * Math.cos(theta);
    }
    return out;
  }
}

/**
 * Standard normal float32 noise, identical to `torch.randn(shape, generator=torch.Generator().manual_seed(seed))`.
 * torch draws tensors of 16+ elements as uniforms transformed 16 at a time, and smaller ones one
 * double-precision Box-Muller pair at a time; both paths are reproduced here.
 * @example const noise = randn([1, 32, 32, 32], 42);
 */
export function randn(shape: readonly number[], seed: number | bigint): Float32Array {
  return new TorchGenerator(seed).randn(shape);
}
