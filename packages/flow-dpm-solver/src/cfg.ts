// Classifier-free guidance: uncond + scale * (cond - uncond), over the batched model output (Sana pipeline, as diffusers).
import { ArgumentError } from '@sana/core';
import { f32 } from './numeric.js';

function checkScale(scale: number): void {
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new ArgumentError('guidanceScale', `must be a finite number, got ${scale}`);
}

/**
 * `uncond + scale * (cond - uncond)` in float32, in the reference's order of operations.
 * @example const v = cfgCombine(uncond, cond, 4.5);
 */
export function cfgCombine(uncond: Float32Array, cond: Float32Array, scale: number): Float32Array {
  checkScale(scale);
  if (uncond.length !== cond.length) {
    throw new ArgumentError('cond', `has ${cond.length} elements but the unconditional output has ${uncond.length}`);
  }
  const g = f32(scale); // torch multiplies a float32 tensor by a Python float in float32
  const out = new Float32Array(uncond.length);
  for (let i = 0; i < out.length; i++) out[i] = f32(uncond[i] + f32(g * f32(cond[i] - uncond[i])));
  return out;
}

/**
 * CFG over the transformer's batched output [2B, ...] whose batch is [uncond..., cond...]
 * (diffusers: `noise_pred.chunk(2)`), giving [B, ...].
 * @example const v = cfgCombineBatched(modelOut, 4.5); // modelOut from a [2B, C, H, W] run
 */
export function cfgCombineBatched(batched: Float32Array, scale: number): Float32Array {
  if (batched.length % 2 !== 0) {
    throw new ArgumentError('batched', `must hold an even batch [uncond..., cond...], got ${batched.length} elements`);
  }
  const half = batched.length / 2;
  return cfgCombine(batched.subarray(0, half), batched.subarray(half), scale);
}
