// Numeric ground rules shared by the samplers: numpy/torch-faithful linspace and float32 element math.
//
// The reference schedulers mix float64 numpy (schedule tables) with float32 torch (sigmas, steps).
// Parity to 1e-6 relative per element needs the same rounding steps, so every float32 operation
// below is written out as `f32(a op b)`: a double result of two float32 operands rounded once to
// float32 equals the float32 IEEE operation for + - * / and sqrt.

/** Rounds to the nearest float32 (torch's float32 arithmetic on one value). */
export const f32 = Math.fround;

/**
 * `np.linspace(start, stop, num)` in float64, bit for bit: `i * step + start`, the last value set to `stop`.
 * @example linspaceF64(1, 0.001, 3) // Float64Array [1, 0.5005, 0.001]
 */
export function linspaceF64(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  if (div > 0) {
    const step = delta / div;
    // numpy divides first and multiplies by delta when step underflows to zero (gh-5437)
    for (let i = 0; i < num; i++) out[i] = (step === 0 ? (i / div) * delta : i * step) + start;
    out[num - 1] = stop;
  } else if (num === 1) {
    out[0] = 0 * delta + start;
  }
  return out;
}

/**
 * `torch.linspace(start, end, steps, dtype=torch.float32)` on the CPU: float32 step, values from the
 * start for the first half and from the end for the second half (ATen's `linspace_kernel`).
 * @example linspaceF32(1.5708, 0, 3) // Float32Array [1.5708, 0.7854, 0]
 */
export function linspaceF32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  const s = f32(start);
  const e = f32(end);
  if (steps === 1) {
    out[0] = s;
    return out;
  }
  const step = f32(f32(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? f32(s + f32(step * i)) : f32(e - f32(step * (steps - i - 1)));
  }
  return out;
}

/** Largest element-wise |a-b| / max(|b|, 1e-12) (the parity harness's `rel` measure), for tests. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-12));
  return m;
}
