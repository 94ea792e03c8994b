// Patch embedding, 2D sin-cos positional embedding (Sana §2.1: NoPE for 1K, sin-cos for the 2K/4K models) and unpatchify.
// Abbreviations: B = batch, C = latent channels, D = inner dim, p = patch size, h/w = latent size / p, N = h*w tokens.
import { ops, type Graph, type Value } from '@sana/core';
import { innerDim } from './config.js';
import { f32, loadModule, to32, toFt, type BuildContext } from './layers.js';

export interface PatchTokens {
  /** [B, N, D] tokens in row-major (h, w) order. */
  readonly tokens: Value;
  /** int64 [2]: the token grid (h, w), read at run time so one graph serves every size. */
  readonly grid: Value;
}

/** diffusers `PatchEmbed`: a p x p stride-p conv, flattened to tokens, plus the sin-cos embedding when configured. */
export async function patchEmbed(ctx: BuildContext, x: Value): Promise<PatchTokens> {
  const { g, config: c } = ctx;
  const d = innerDim(c);
  const p = c.patchSize;
  const mw = await loadModule(ctx, 'patch_embed');
  return g.scope('patch_embed', () => {
    const w = mw.tensor('proj.weight', [d, c.inChannels, p, p]);
    const b = mw.tensor('proj.bias', [d]);
    const y = ops.conv(g, x, w, b, { strides: [p, p], name: 'proj' }); // [B, D, h, w]
    const grid = ops.shape(g, y, 2, 4);
    let tokens = ops.transpose(g, ops.reshape(g, y, [0, 0, -1]), [0, 2, 1]); // [B, D, N] -> [B, N, D]
    if (c.interpolationScale !== null) {
      // The reference adds the fp32 embedding to the latent and casts the sum back: do the same in fp16 graphs.
      const pe = sinCosEmbedding(g, grid, d, c.sampleSize / p, c.interpolationScale); // [1, N, D] float32
      tokens = toFt(g, ops.add(g, to32(g, tokens), pe, 'pos_embed'));
    }
    return { tokens, grid };
  });
}

/**
 * The 1D frequencies of diffusers `get_1d_sincos_pos_embed_from_grid(dim)`: 1 / 10000^(i / (dim/2)),
 * computed in float64 as the reference does, then rounded to fp32.
 * @example sinCosFrequencies(8) // [1, 0.1, 0.01, 0.001]
 */
export function sinCosFrequencies(dim: number): Float32Array {
  const n = dim / 2;
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) f[i] = 1 / 10000 ** (i / n);
  return f;
}

/**
 * diffusers `get_2d_sincos_pos_embed(D, (h, w), base_size, interpolation_scale)` built in the graph from the
 * run-time grid, so it works for every size and aspect ratio. Positions are arange(n) / (n / base) / scale;
 * token (i, j) gets [sin(x_j f), cos(x_j f), sin(y_i f), cos(y_i f)]: the column coordinate comes first,
 * as diffusers' `meshgrid(grid_w, grid_h)` stacks it. Returns [1, N, D] float32.
 */
export function sinCosEmbedding(g: Graph, grid: Value, dim: number, baseSize: number, scale: number): Value {
  const freqs = g.float([...sinCosFrequencies(dim / 2)], [1, dim / 4], 'float32');
  const axis = (i: number): Value => {
    const n = ops.cast(g, ops.gather(g, grid, g.int64([i], []), 0), 'float32'); // scalar
    const pos = ops.range(g, f32(g, 0), n, f32(g, 1)); // [n]
    const x = ops.div(g, ops.div(g, pos, ops.div(g, n, f32(g, baseSize))), f32(g, scale));
    const arg = ops.mul(g, ops.unsqueeze(g, x, [1]), freqs); // [n, D/4]
    return ops.concat(g, [ops.sin(g, arg), ops.cos(g, arg)], -1); // [n, D/2]
  };
  const full = ops.concat(g, [grid, g.int64([dim / 2])], 0); // [h, w, D/2]
  const ey = ops.expand(g, ops.unsqueeze(g, axis(0), [1]), full); // [h, 1, D/2] -> [h, w, D/2]
  const ex = ops.expand(g, ops.unsqueeze(g, axis(1), [0]), full); // [1, w, D/2] -> [h, w, D/2]
  return ops.reshape(g, ops.concat(g, [ex, ey], -1), [1, -1, dim], 'pos_embed'); // [h, w, D] -> [1, N, D]
}

/**
 * Unpatchify: [B, N, p*p*C] -> [B, C, h*p, w*p]. diffusers reshapes to [B, h, w, p, p, C] and permutes
 * (0, 5, 1, 3, 2, 4): channel (p1*p + p2)*C + c lands at (h*p + p1, w*p + p2), which is DepthToSpace in DCR mode.
 */
export function unpatchify(g: Graph, x: Value, grid: Value, patchSize: number): Value {
  const spatial = ops.concat(g, [g.int64([0, 0]), grid], 0);
  const y = ops.reshape(g, ops.transpose(g, x, [0, 2, 1]), spatial); // [B, p*p*C, N] -> [B, p*p*C, h, w]
  return patchSize === 1 ? y : ops.depthToSpace(g, y, patchSize, 'DCR'); // [B, C, h*p, w*p]
}
