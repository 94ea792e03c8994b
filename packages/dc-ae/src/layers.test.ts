// The torch resampling semantics, checked against plain-JS definitions of torch's index maps.
import { describe, expect, it } from 'vitest';
import { Graph, createBackend, float32, ops, serializeModel, type Value } from '@sana/core';
import { groupMeanChannels, pixelShuffle, pixelUnshuffle, repeatInterleaveChannels } from './layers.js';

const B = 2, C = 3, H = 4, W = 6;
const x = Float32Array.from({ length: B * C * H * W }, (_, i) => i * 0.5 - 7);

async function run(build: (g: Graph, x: Value) => Value, dims: number[], data = x) {
  const g = new Graph('t');
  const inp = g.input('x', 'float32', dims.map((d, i) => (i >= 2 ? `d${i}` : d)));
  g.output(build(g, inp), 'y', 'float32');
  const s = await (await createBackend('cpu')).createSession(serializeModel(g).model);
  const y = (await s.run({ x: float32(data, dims) })).y;
  return { data: [...(y.data as Float32Array)], dims: [...y.dims] };
}

/** torch.nn.functional.pixel_unshuffle: out[b, c*r*r + i*r + j, h, w] = in[b, c, h*r + i, w*r + j]. */
function torchPixelUnshuffle(r: number) {
  const out: number[] = [];
  const h2 = H / r, w2 = W / r;
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let i = 0; i < r; i++) for (let j = 0; j < r; j++)
    for (let h = 0; h < h2; h++) for (let w = 0; w < w2; w++) out.push(x[((b * C + c) * H + h * r + i) * W + w * r + j]);
  return out;
}

describe('torch resampling semantics', () => {
  it('pixelUnshuffle equals torch pixel_unshuffle (and ONNX SpaceToDepth alone does not)', async () => {
    const want = torchPixelUnshuffle(2);
    const got = await run((g, v) => pixelUnshuffle(g, v, C, 2), [B, C, H, W]);
    expect(got.dims).toEqual([B, C * 4, H / 2, W / 2]);
    expect(got.data).toEqual(want);
    const s2d = await run((g, v) => ops.spaceToDepth(g, v, 2), [B, C, H, W]);
    expect(s2d.data).not.toEqual(want);
  });

  it('pixelShuffle (DepthToSpace CRD) inverts pixelUnshuffle', async () => {
    const got = await run((g, v) => pixelShuffle(g, pixelUnshuffle(g, v, C, 2), 2), [B, C, H, W]);
    expect(got.data).toEqual([...x]);
  });

  it('repeatInterleaveChannels equals torch repeat_interleave(dim=1)', async () => {
    const got = await run((g, v) => repeatInterleaveChannels(g, v, C, 2), [B, C, H, W]);
    const want: number[] = [];
    for (let b = 0; b < B; b++) for (let k = 0; k < 2 * C; k++) for (let p = 0; p < H * W; p++) want.push(x[(b * C + Math.floor(k / 2)) * H * W + p]);
    expect(got.data).toEqual(want);
  });

  it('groupMeanChannels equals unflatten(1, (-1, G)).mean(2)', async () => {
    const c6 = 6;
    const data = Float32Array.from({ length: c6 * H * W }, (_, i) => Math.sin(i));
    const got = await run((g, v) => groupMeanChannels(g, v, c6, 3, ops.slice(g, v, [0], [2], [1])), [1, c6, H, W], data);
    expect(got.dims).toEqual([1, 2, H, W]);
    for (let k = 0; k < 2; k++) for (let p = 0; p < H * W; p++) {
      const m = (data[(3 * k) * H * W + p] + data[(3 * k + 1) * H * W + p] + data[(3 * k + 2) * H * W + p]) / 3;
      expect(got.data[k * H * W + p]).toBeCloseTo(m, 6);
    }
  });

  it('resizeNearest is torch interpolate(scale_factor=2, mode="nearest"): out[y, x] = in[y // 2, x // 2]', async () => {
    const got = await run((g, v) => ops.resizeNearest(g, v, 2, 2), [B, C, H, W]);
    expect(got.dims).toEqual([B, C, 2 * H, 2 * W]);
    for (let p = 0; p < B * C; p++) for (let y = 0; y < 2 * H; y++) for (let xx = 0; xx < 2 * W; xx++) {
      expect(got.data[(p * 2 * H + y) * 2 * W + xx]).toBe(x[(p * H + (y >> 1)) * W + (xx >> 1)]);
    }
  });
});
