// Image post-processing after the DC-AE decoder: resolution-binning resize + center crop, denormalize, RGBA bytes.
//
// Mirrors diffusers `PixArtImageProcessor.resize_and_crop_tensor` (torch `F.interpolate(mode="bilinear",
// align_corners=False)`, antialias off, then a center crop) and `VaeImageProcessor.postprocess`
// (`denormalize`: (x * 0.5 + 0.5).clamp(0, 1); `numpy_to_pil`: (x * 255).round().astype("uint8")).
// All arithmetic is done in float32 (Math.fround after every operation), because torch computes the
// interpolation indices, weights and sums in float32 for float32 input.
//
// Abbreviations: B batch, C channels, H/W input height/width, RH/RW resized height/width (before the
// crop), OH/OW output height/width, λ interpolation weight.
import { ArgumentError } from '@sana/core';

/** NCHW dimensions of an image batch: [B, C, H, W]. */
export type ImageDims = readonly [number, number, number, number];

/** A float32 NCHW image batch. */
export interface ImageBatch {
  readonly data: Float32Array;
  readonly dims: ImageDims;
}

const f32 = Math.fround;

function checkDims(data: ArrayLike<number>, dims: ImageDims, what: string): void {
  if (dims.length !== 4 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ArgumentError(`${what} dims`, `must be four positive integers [B, C, H, W], got [${dims.join(', ')}]`);
  }
  const n = dims[0] * dims[1] * dims[2] * dims[3];
  if (data.length !== n) {
    throw new ArgumentError(what, `has ${data.length} values but dims [${dims.join(', ')}] need ${n}`);
  }
}

function checkSize(value: number, option: string): void {
  if (!Number.isInteger(value) || value <= 0) throw new ArgumentError(option, `must be a positive integer, got ${String(value)}`);
}

/**
 * Source indices and weights of 1-D linear interpolation from `inSize` to `outSize` samples, as torch's
 * CPU kernel computes them (`area_pixel_compute_source_index`, `guard_index_and_lambda`), in float32:
 * scale = in / out; src = max(scale * (i + 0.5) - 0.5, 0); i0 = min(floor(src), in - 1);
 * i1 = min(i0 + 1, in - 1); λ1 = clamp(src - i0, 0, 1); λ0 = 1 - λ1. Same size: identity.
 * Only the output positions [start, start + count) are computed (the ones the crop keeps).
 */
function linearTaps(inSize: number, outSize: number, start: number, count: number) {
  const i0 = new Int32Array(count);
  const i1 = new Int32Array(count);
  const l0 = new Float32Array(count);
  const l1 = new Float32Array(count);
  const scale = f32(inSize / outSize);
  for (let k = 0; k < count; k++) {
    const i = start + k;
    if (inSize === outSize) {
      i0[k] = i;
      i1[k] = i;
      l0[k] = 1;
      l1[k] = 0;
      continue;
    }
    let src = f32(f32(scale * (i + 0.5)) - 0.5);
    if (src < 0) src = 0; // align_corners=False clamps negative source positions (not for cubic)
    const lo = Math.min(Math.floor(src), inSize - 1);
    const lambda1 = Math.min(Math.max(f32(src - lo), 0), 1);
    i0[k] = lo;
    i1[k] = lo < inSize - 1 ? lo + 1 : lo;
    l1[k] = lambda1;
    l0[k] = f32(1 - lambda1);
  }
  return { i0, i1, l0, l1 };
}

/**
 * Resize a float32 NCHW batch so it covers `newHeight` x `newWidth` and center-crop it to exactly that,
 * as diffusers `PixArtImageProcessor.resize_and_crop_tensor` does when resolution binning is on (the
 * image is generated at the binned size, then brought back to the size the user asked for).
 *
 * ratio = max(newHeight / H, newWidth / W); RH = int(H * ratio), RW = int(W * ratio); bilinear resize
 * to [RH, RW] with torch semantics (align_corners=False, no antialias, so a downscale samples rather
 * than averages); crop rows [(RH - newHeight) // 2, + newHeight) and the same for columns. Only the
 * kept pixels are computed. If no resize is needed, the input `data` is returned as is (not copied).
 *
 * One deliberate difference: diffusers can compute RH = newHeight - 1 through float rounding
 * (e.g. 832x1152 -> 960x1280 gives 959 rows), and then its crop slice starts at -1 and returns a single
 * row (huggingface/diffusers#8911). Here RH and RW are never smaller than the target, so such inputs
 * give the requested size; every other input is resized exactly as in diffusers.
 *
 * Interpolation is computed as torch's generic CPU kernel and its CUDA kernel do it:
 * λh0 * (λw0 * x[h0, w0] + λw1 * x[h0, w1]) + λh1 * (λw0 * x[h1, w0] + λw1 * x[h1, w1]) in float32.
 * (torch's channels-last CPU kernel, which it picks for tiny outputs, rounds differently by ~1 ulp.)
 *
 * @throws ArgumentError when dims do not match the data or a size is not a positive integer.
 * @example
 * const out = resizeAndCropTensor(new Float32Array([0, 1, 2, 3]), [1, 1, 2, 2], 4, 4);
 * out.dims; // [1, 1, 4, 4]; out.data row 1 = [0.5, 0.75, 1.25, 1.5]
 */
export function resizeAndCropTensor(
  image: Float32Array,
  dims: ImageDims,
  newWidth: number,
  newHeight: number,
): ImageBatch {
  checkDims(image, dims, 'image');
  checkSize(newWidth, 'newWidth');
  checkSize(newHeight, 'newHeight');
  const [B, C, H, W] = dims;
  if (H === newHeight && W === newWidth) return { data: image, dims: [B, C, H, W] };

  // Python float (double) arithmetic and int() truncation, as in diffusers.
  const ratio = Math.max(newHeight / H, newWidth / W);
  // The Math.max guards are the fix for diffusers#8911 (see above); they change nothing otherwise.
  const RW = Math.max(Math.trunc(W * ratio), newWidth);
  const RH = Math.max(Math.trunc(H * ratio), newHeight);
  const startX = Math.floor((RW - newWidth) / 2);
  const startY = Math.floor((RH - newHeight) / 2);

  const rows = linearTaps(H, RH, startY, newHeight);
  const cols = linearTaps(W, RW, startX, newWidth);
  const out = new Float32Array(B * C * newHeight * newWidth);
  const planes = B * C; // torch treats batch and channels as one dimension
  for (let p = 0; p < planes; p++) {
    const src = p * H * W;
    const dst = p * newHeight * newWidth;
    for (let y = 0; y < newHeight; y++) {
      const r0 = src + rows.i0[y] * W;
      const r1 = src + rows.i1[y] * W;
      const lh0 = rows.l0[y];
      const lh1 = rows.l1[y];
      const o = dst + y * newWidth;
      for (let x = 0; x < newWidth; x++) {
        const c0 = cols.i0[x];
        const c1 = cols.i1[x];
        const lw0 = cols.l0[x];
        const lw1 = cols.l1[x];
        const t0 = f32(f32(image[r0 + c0] * lw0) + f32(image[r0 + c1] * lw1));
        const t1 = f32(f32(image[r1 + c0] * lw0) + f32(image[r1 + c1] * lw1));
        out[o + x] = f32(t0 * lh0) + f32(t1 * lh1); // the store rounds the sum to float32
      }
    }
  }
  return { data: out, dims: [B, C, newHeight, newWidth] };
}

/**
 * Map decoder output from [-1, 1] to [0, 1]: (x * 0.5 + 0.5).clamp(0, 1) in float32, as diffusers
 * `VaeImageProcessor.denormalize`. NaN stays NaN (as torch.clamp). Returns a new array.
 *
 * @example
 * denormalize(new Float32Array([-1, 0, 0.5, 3])); // [0, 0.5, 0.75, 1]
 */
export function denormalize(image: Float32Array): Float32Array {
  const out = new Float32Array(image.length);
  for (let i = 0; i < image.length; i++) {
    // x * 0.5 is rounded first (torch runs the mul and the add as two float32 ops); rounding is
    // monotonic and 0 and 1 are exact, so clamping before the store's rounding gives the same result.
    out[i] = Math.min(Math.max(f32(image[i] * 0.5) + 0.5, 0), 1);
  }
  return out;
}

// numpy's round(): half to even, which is what `(images * 255).round()` does on ties (127.5 -> 128, 2.5 -> 2).
function roundHalfEven(v: number): number {
  const r = Math.round(v); // half up
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Turn a [B, 3, H, W] batch in [0, 1] into one RGBA byte buffer per image (row-major, alpha 255), the
 * layout `ImageData` and `encodePng` take. Each value is clamped to [0, 1] (NaN -> 0), multiplied by
 * 255 in float32 and rounded half to even, as diffusers `numpy_to_pil`: (x * 255).round().astype(uint8).
 *
 * @throws ArgumentError when dims do not match the data or C is not 3.
 * @example
 * const [rgba] = toRgba(new Float32Array([1, 0, 0.5]), [1, 3, 1, 1]); // [255, 0, 128, 255]
 */
export function toRgba(image: Float32Array, dims: ImageDims): Uint8ClampedArray[] {
  checkDims(image, dims, 'image');
  const [B, C, H, W] = dims;
  if (C !== 3) throw new ArgumentError('image dims', `toRgba needs 3 channels (RGB), got ${C}`);
  const hw = H * W;
  const images: Uint8ClampedArray[] = [];
  for (let b = 0; b < B; b++) {
    const rgba = new Uint8ClampedArray(hw * 4);
    for (let c = 0; c < 3; c++) {
      const plane = (b * 3 + c) * hw; // NCHW plane -> interleaved HWC
      for (let i = 0; i < hw; i++) {
        const v = image[plane + i];
        const clamped = v > 1 ? 1 : v >= 0 ? v : 0; // NaN fails both tests -> 0
        rgba[i * 4 + c] = roundHalfEven(f32(clamped * 255));
      }
    }
    for (let i = 0; i < hw; i++) rgba[i * 4 + 3] = 255;
    images.push(rgba);
  }
  return images;
}
