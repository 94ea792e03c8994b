import { describe, expect, it } from 'vitest';
import { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16, fromHalfBits, toHalfBits } from './fp16.js';

describe('fp16', () => {
  it('converts normal values exactly', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff); // largest finite
    expect(toHalfBits(0.333251953125)).toBe(0x3555);
    expect(fromHalfBits(0x3555)).toBe(0.333251953125);
  });
  it('keeps signed zero, inf and NaN', () => {
    expect(toHalfBits(0)).toBe(0);
    expect(toHalfBits(-0)).toBe(0x8000);
    expect(toHalfBits(Infinity)).toBe(0x7c00);
    expect(toHalfBits(-Infinity)).toBe(0xfc00);
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
    expect(toHalfBits(NaN) & 0x7c00).toBe(0x7c00);
    expect(toHalfBits(NaN) & 0x3ff).not.toBe(0);
  });
  it('overflows to inf past the rounding boundary, and rounds below it', () => {
    expect(toHalfBits(65519)).toBe(0x7bff); // rounds down to 65504
    expect(toHalfBits(65520)).toBe(0x7c00); // tie rounds to even -> inf
    expect(toHalfBits(1e6)).toBe(0x7c00);
  });
  it('handles subnormals', () => {
    expect(toHalfBits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toHalfBits(2 ** -14 - 2 ** -24)).toBe(0x03ff); // largest subnormal
    expect(fromHalfBits(0x0001)).toBe(2 ** -24);
    expect(fromHalfBits(0x03ff)).toBe(2 ** -14 - 2 ** -24);
    expect(toHalfBits(2 ** -25)).toBe(0); // tie between 0 and 2^-24 rounds to even (0)
    expect(toHalfBits(2 ** -25 * 1.5)).toBe(1); // above the tie
    expect(toHalfBits(3 * 2 ** -25)).toBe(2); // tie between 1 and 2 ulps rounds to even (2)
    expect(toHalfBits(2 ** -26)).toBe(0);
  });
  it('rounds ties to even in the normal range', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: rounds to 1 (even mantissa)
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3*2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even): rounds up
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toHalfBits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // above the tie
    // a tie whose rounding carries into the exponent: 2047.5/1024*... -> 2048
    expect(toHalfBits(2047 + 0.5)).toBe(toHalfBits(2048));
  });
  it('round-trips every fp16 value through fp32', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToFloat16(float16ToFloat32(all));
    for (let i = 0; i < 65536; i++) {
      const isNaN16 = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (isNaN16) expect((back[i] & 0x7c00) === 0x7c00 && (back[i] & 0x3ff) !== 0).toBe(true);
      else expect(back[i]).toBe(i);
    }
  });
  it('matches the scalar path on large arrays', () => {
    const n = 1 << 16;
    const x = new Float32Array(n).map((_, i) => Math.sin(i) * 10 ** ((i % 12) - 6));
    const h = float32ToFloat16(x);
    for (let i = 0; i < n; i += 97) expect(h[i]).toBe(toHalfBits(x[i]));
  });
});

describe('bf16', () => {
  it('widens by a shift and rounds to nearest even', () => {
    expect([...bfloat16ToFloat32(new Uint16Array([0x3f80, 0xc000]))]).toEqual([1, -2]);
    const x = new Float32Array([1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20]);
    expect([...float32ToBfloat16(x)]).toEqual([0x3f80, 0x3f82, 0x3f81]);
    const nan = float32ToBfloat16(new Float32Array([NaN]));
    expect(Number.isNaN(bfloat16ToFloat32(nan)[0])).toBe(true);
    expect([...float32ToBfloat16(new Float32Array([Infinity, -Infinity]))]).toEqual([0x7f80, 0xff80]);
  });
});
