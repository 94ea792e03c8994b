import { describe, expect, it } from 'vitest';
import { createBackend, float32ToFloat16, float16ToFloat32, randn, serializeModel, tensor, type FloatType } from '@sana/core';
import { SANA_FLOW_DPM_SOLVER, applyLinearStep, cfgCombineBatched, samplerLinearSteps } from '@sana/flow-dpm-solver';
import { firstChannels } from './batch.js';
import { NUM_COEFFS, STEP_IO, buildStepGraph, stepCoefficients } from './denoise-step-graph.js';

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** One order-2 step through the graph vs the host functions, for a CFG batch of a learned-sigma (2C) transformer. */
async function check(floatType: FloatType) {
  const [B, C, Co, h, w] = [2, 4, 8, 3, 5];
  const shape = { batch: B, channels: C, outChannels: Co, height: h, width: w, cfg: true, floatType };
  const session = await (await createBackend('cpu')).createSession(serializeModel(buildStepGraph(shape)).model, { threads: 1 });
  const n = B * C * h * w;
  const x = randn([n], 1);
  const m1 = randn([n], 2);
  let out = randn([2 * B * Co * h * w], 3);
  if (floatType === 'float16') out = float16ToFloat32(float32ToFloat16(out)); // what the host sees of an fp16 output
  const step = samplerLinearSteps(SANA_FLOW_DPM_SOLVER, 10)[4]; // a second-order step: uses hist1
  expect(step.next.h1).not.toBe(0);
  const dims = [B, C, h, w];
  const r = await session.run({
    [STEP_IO.sample]: tensor('float32', x, dims),
    [STEP_IO.modelOutput]: floatType === 'float16'
      ? tensor('float16', float32ToFloat16(out), [2 * B, Co, h, w])
      : tensor('float32', out, [2 * B, Co, h, w]),
    [STEP_IO.hist1]: tensor('float32', m1, dims),
    [STEP_IO.hist2]: tensor('float32', x, dims),
    [STEP_IO.noise]: tensor('float32', x, dims),
    [STEP_IO.coeffs]: tensor('float32', stepCoefficients(step, 4.5, 0.5), [NUM_COEFFS]),
  });
  // host: CFG, then the first C channels, then the step
  const v = firstChannels(cfgCombineBatched(out, 4.5), B, Co, C, h * w);
  const ref = applyLinearStep(step, x, v, [m1]);
  expect(r[STEP_IO.nextSample].dims).toEqual(dims);
  expect(maxAbs(r[STEP_IO.nextSample].data as Float32Array, ref.sample)).toBeLessThan(1e-5);
  expect(maxAbs(r[STEP_IO.denoised].data as Float32Array, ref.denoised)).toBeLessThan(1e-5);
  // the next transformer input: [x'; x'] * inputScale in the transformer's float type
  const input = r[STEP_IO.modelInput];
  expect(input.dtype).toBe(floatType);
  expect(input.dims).toEqual([2 * B, C, h, w]);
  const got = floatType === 'float16' ? float16ToFloat32(input.data as Uint16Array) : (input.data as Float32Array);
  const half = ref.sample.map((s) => s * 0.5);
  expect(maxAbs(got.subarray(0, n), half)).toBeLessThan(floatType === 'float16' ? 5e-3 : 1e-6);
  expect(maxAbs(got.subarray(n), half)).toBeLessThan(floatType === 'float16' ? 5e-3 : 1e-6);
  await session.release();
}

describe('sampler-step graph', () => {
  it('does CFG, the learned-sigma slice and an order-2 update like the host (float32)', () => check('float32'));
  it('takes and gives the transformer float type (float16)', () => check('float16'));
});
