// Tiled decoding for 2K / 4K images (as diffusers `AutoencoderDC.tiled_decode`): overlapping latent tiles are decoded
// one at a time and blended with linear ramps over the overlap, so memory is bounded by one tile.
import { ArgumentError, tensor, type Tensor } from '@sana/core';

export interface TileOptions {
  /** Tile side in image pixels (default 512, as diffusers). A multiple of the compression ratio. */
  readonly tileSize?: number;
  /** Distance between tile origins in image pixels (default 448); the overlap tileSize - stride is blended. */
  readonly stride?: number;
}

export const DEFAULT_TILE: Required<TileOptions> = { tileSize: 512, stride: 448 };

/** Tile origins along one latent axis: 0, stride, 2*stride, ... below `length` (diffusers' range()). */
export function tileStarts(length: number, stride: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < length; s += stride) out.push(s);
  return out;
}

/** Checks tile options against the compression ratio and returns them in latent units. */
export function latentTiling(ratio: number, o: TileOptions = {}) {
  const tileSize = o.tileSize ?? DEFAULT_TILE.tileSize;
  const stride = o.stride ?? DEFAULT_TILE.stride;
  for (const [name, v] of [['tileSize', tileSize], ['stride', stride]] as const) {
    if (!Number.isInteger(v) || v <= 0 || v % ratio !== 0) throw new ArgumentError(`tiling.${name}`, `is ${v}; it must be a positive multiple of the compression ratio ${ratio}`);
  }
  if (stride > tileSize) throw new ArgumentError('tiling.stride', `(${stride}) is larger than tiling.tileSize (${tileSize}): tiles would leave gaps`);
  return { tileSize, stride, blend: tileSize - stride, tileLatent: tileSize / ratio, strideLatent: stride / ratio };
}

/** A decoded tile: float32 [B, C, H, W], blended in place. */
interface Tile { data: Float32Array; b: number; c: number; h: number; w: number }

/** The latent window [y0, y0+h) x [x0, x0+w) of `z` ([B, C, H, W]) as a new tensor. */
export function cropNchw(z: Float32Array, dims: readonly number[], y0: number, x0: number, h: number, w: number): Tensor<'float32'> {
  const [b, c, hh, ww] = dims;
  const out = new Float32Array(b * c * h * w);
  for (let p = 0; p < b * c; p++) {
    for (let y = 0; y < h; y++) {
      const src = (p * hh + y0 + y) * ww + x0;
      out.set(z.subarray(src, src + w), (p * h + y) * w);
    }
  }
  return tensor('float32', out, [b, c, h, w]);
}

/** diffusers `blend_v`: the first rows of `b` fade in from the last rows of `a` (the tile above). */
function blendV(a: Tile, b: Tile, extent: number) {
  const e = Math.min(a.h, b.h, extent);
  for (let p = 0; p < b.b * b.c; p++) {
    for (let y = 0; y < e; y++) {
      const t = y / e;
      const ar = (p * a.h + a.h - e + y) * a.w;
      const br = (p * b.h + y) * b.w;
      for (let x = 0; x < b.w; x++) b.data[br + x] = a.data[ar + x] * (1 - t) + b.data[br + x] * t;
    }
  }
}

/** diffusers `blend_h`: the first columns of `b` fade in from the last columns of `a` (the tile to the left). */
function blendH(a: Tile, b: Tile, extent: number) {
  const e = Math.min(a.w, b.w, extent);
  for (let p = 0; p < b.b * b.c; p++) {
    for (let y = 0; y < b.h; y++) {
      const ar = (p * a.h + y) * a.w + a.w - e;
      const br = (p * b.h + y) * b.w;
      for (let x = 0; x < e; x++) {
        const t = x / e;
        b.data[br + x] = a.data[ar + x] * (1 - t) + b.data[br + x] * t;
      }
    }
  }
}

/**
 * Decodes `latents` ([B, c, h, w] float32) tile by tile with `decodeTile` and blends the overlaps exactly as
 * diffusers does (each tile blended with the already-blended tiles above and to its left, then cropped to the
 * stride). Only one row of decoded tiles is held at a time.
 * @example const image = await decodeTiled(z, 32, (t) => decoder.decode(t), { tileSize: 512, stride: 448 });
 */
export async function decodeTiled(latents: Tensor, ratio: number, decodeTile: (tile: Tensor<'float32'>) => Promise<Tensor>, options: TileOptions = {}): Promise<Tensor<'float32'>> {
  const t = latentTiling(ratio, options);
  const [b, , h, w] = latents.dims;
  const z = (await latents.read()) as Float32Array; // also for a tensor left on the GPU
  const rows = tileStarts(h, t.strideLatent);
  const cols = tileStarts(w, t.strideLatent);
  let out: Float32Array | undefined;
  let oc = 0;
  const oh = h * ratio;
  const ow = w * ratio;
  let prev: Tile[] = [];
  for (const [ri, y0] of rows.entries()) {
    const row: Tile[] = [];
    for (const [ci, x0] of cols.entries()) {
      const crop = cropNchw(z, latents.dims, y0, x0, Math.min(t.tileLatent, h - y0), Math.min(t.tileLatent, w - x0));
      const dec = await decodeTile(crop);
      const [db, dc, dh, dw] = dec.dims;
      const tile: Tile = { data: Float32Array.from(await dec.read() as Float32Array), b: db, c: dc, h: dh, w: dw };
      if (ri > 0) blendV(prev[ci], tile, t.blend);
      if (ci > 0) blendH(row[ci - 1], tile, t.blend);
      row.push(tile);
      if (!out) { oc = dc; out = new Float32Array(b * oc * oh * ow); }
      // Keep the tile's first `stride` rows / columns (fewer at the bottom / right edge).
      const ch = Math.min(t.stride, dh);
      const cw = Math.min(t.stride, dw);
      const oy = ri * t.stride;
      const ox = ci * t.stride;
      for (let p = 0; p < db * dc; p++) {
        for (let y = 0; y < ch; y++) {
          const src = (p * dh + y) * dw;
          out.set(tile.data.subarray(src, src + cw), (p * oh + oy + y) * ow + ox);
        }
      }
    }
    prev = row;
  }
  return tensor('float32', out!, [b, oc, oh, ow]);
}
