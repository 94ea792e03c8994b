// Saving an end-to-end result (latents + PNG) and comparing two of them by PSNR (issue 11: WebGPU fp16 vs CPU fp32).
// Node only (fs, zlib): the PNG codec here uses node:zlib, so the gpu-bench bundle pulls in no PNG package.
// The reader covers what the writer and the pipeline's encodePng write: 8-bit RGB / RGBA, not interlaced.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { FormatError } from '@sana/core';
import type { GenerateResult } from '@sana/pipeline';

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * An 8-bit RGBA (or, with `channels` 3, RGB) image as PNG bytes (filter 0 on every row, zlib level 6).
 * @example await writeFile('a.png', writePng(rgba, 1024, 1024));
 */
export function writePng(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 3 | 4 = 4): Uint8Array {
  const stride = width * channels;
  if (rgba.length !== height * stride) throw new FormatError(`has ${rgba.length} bytes; ${width}x${height}x${channels} needs ${height * stride}`, 'rgba');
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const chunk = (type: string, body: Uint8Array) => {
    const out = new Uint8Array(12 + body.length);
    const v = new DataView(out.buffer);
    v.setUint32(0, body.length);
    out.set(Buffer.from(type, 'latin1'), 4);
    out.set(body, 8);
    v.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, channels === 4 ? 6 : 2, 0, 0, 0], 8); // 8-bit, RGBA or RGB, deflate, filter method 0, no interlace
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** Side of the square PNG tiles an image larger than this is saved in: a 2048x2048 RGB tile is 12 MiB, under the
 * 16 MiB a file that the GPU machine's runs can send back. */
export const SAVE_TILE = 2048;

/**
 * Writes `<stem>.png` (first image; above SAVE_TILE px a side, RGB tiles `<stem>.r<row>c<col>.png` instead),
 * `<stem>.f32` (the final latents, raw little-endian float32) and `<stem>.json` (shapes and timings) into `dir`;
 * returns the paths.
 * @example await saveGeneration('out', 'e2e-512px-webgpu-fp16', await pipe.generate({ prompt, seed: 0 }));
 */
export async function saveGeneration(dir: string, stem: string, r: GenerateResult): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const [b, , h, w] = r.pixelDims;
  const latentDims = [b, r.latents.length / (b * (h / 32) * (w / 32)), h / 32, w / 32];
  const img = r.images[0];
  const files: string[] = [];
  if (img.width <= SAVE_TILE && img.height <= SAVE_TILE) {
    files.push(join(dir, `${stem}.png`));
    await writeFile(files[0], writePng(img.rgba, img.width, img.height));
  } else {
    for (let y0 = 0; y0 < img.height; y0 += SAVE_TILE) {
      for (let x0 = 0; x0 < img.width; x0 += SAVE_TILE) {
        const [tw, th] = [Math.min(SAVE_TILE, img.width - x0), Math.min(SAVE_TILE, img.height - y0)];
        const rgb = new Uint8Array(tw * th * 3);
        for (let y = 0; y < th; y++) {
          for (let x = 0; x < tw; x++) {
            const src = ((y0 + y) * img.width + x0 + x) * 4;
            rgb.set(img.rgba.subarray(src, src + 3), (y * tw + x) * 3);
          }
        }
        files.push(join(dir, `${stem}.r${y0 / SAVE_TILE}c${x0 / SAVE_TILE}.png`));
        await writeFile(files.at(-1)!, writePng(rgb, tw, th, 3));
      }
    }
  }
  files.push(join(dir, `${stem}.f32`), join(dir, `${stem}.json`));
  await writeFile(files.at(-2)!, new Uint8Array(r.latents.buffer, r.latents.byteOffset, r.latents.byteLength));
  await writeFile(files.at(-1)!, JSON.stringify({ latentDims, pixelDims: r.pixelDims, timings: r.timings }));
  return files;
}

/** An 8-bit image: `channels` interleaved bytes per pixel. */
export interface RasterImage { readonly width: number; readonly height: number; readonly channels: 3 | 4; readonly data: Uint8Array }

const paeth = (a: number, b: number, c: number) => {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/**
 * Decodes an 8-bit RGB or RGBA, non-interlaced PNG; anything else is a `FormatError` naming `file`.
 * @example const { width, height, data } = decodePng(await readFile('a.png'), 'a.png');
 */
export function decodePng(bytes: Uint8Array, file = 'png'): RasterImage {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (bytes.length < 8 || sig.some((v, i) => bytes[i] !== v)) throw new FormatError('is not a PNG file (bad signature)', file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0, height = 0, channels: 3 | 4 = 4;
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length;) {
    const len = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const body = bytes.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const [depth, color, , , interlace] = body.subarray(8, 13);
      if (depth !== 8 || (color !== 2 && color !== 6) || interlace !== 0) {
        throw new FormatError(`is a PNG with bit depth ${depth}, color type ${color}, interlace ${interlace}; only 8-bit RGB / RGBA, not interlaced, is read`, file);
      }
      channels = color === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    at += 12 + len;
  }
  if (!width || !idat.length) throw new FormatError('has no IHDR or IDAT chunk', file);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new FormatError(`holds ${raw.length} bytes of pixel data; ${width}x${height}x${channels} needs ${height * (stride + 1)}`, file);
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? out.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels] : 0;
      const c = i >= channels ? up[i - channels] : 0;
      const pred = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? up[i] : filter === 3 ? (a + up[i]) >> 1 : filter === 4 ? paeth(a, up[i], c) : -1;
      if (pred < 0) throw new FormatError(`row ${y} has unknown filter type ${filter}`, file);
      row[i] = (src[i] + pred) & 255;
    }
  }
  return { width, height, channels, data: out };
}

/** PSNR in dB of `b` against `a` with the given peak (signal range); Infinity when identical. */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, peak: number): { psnr_db: number; rmse: number; max_abs: number } {
  if (a.length !== b.length) throw new FormatError(`the two inputs have ${a.length} and ${b.length} values; they must be the same size`);
  let se = 0, maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    se += d * d;
    maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  const mse = se / a.length;
  return { psnr_db: mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse), rmse: Math.sqrt(mse), max_abs: maxAbs };
}

/** PSNR of two decoded images over R, G, B (alpha ignored), peak 255. */
export function imagePsnr(a: RasterImage, b: RasterImage) {
  if (a.width !== b.width || a.height !== b.height) throw new FormatError(`the images are ${a.width}x${a.height} and ${b.width}x${b.height}; they must be the same size`);
  const rgb = (im: RasterImage) => Uint8Array.from({ length: im.width * im.height * 3 }, (_, i) => im.data[Math.floor(i / 3) * im.channels + (i % 3)]);
  return psnr(rgb(a), rgb(b), 255);
}

/** PSNR of two latent tensors, peak = the value range of `a` (the reference). */
export function latentPsnr(a: Float32Array, b: Float32Array) {
  let lo = Infinity, hi = -Infinity;
  for (const v of a) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return { ...psnr(a, b, hi - lo), peak: hi - lo };
}
