// PNG round trip, PSNR arithmetic, and the seeded random weights the cross-device PSNR check relies on.
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FormatError } from '@sana/core';
import { encodePng } from '@sana/pipeline';
import { RandomWeights, SANA_600M_1024PX } from '@sana/linear-dit';
import { DC_AE_F32C32_SANA_1_0, randomDcAeWeights } from '@sana/dc-ae';

// The full DC-AE with narrow stages: the same generator and key order, a fraction of the values.
const SMALL_DC_AE = { ...DC_AE_F32C32_SANA_1_0, decoderBlockOutChannels: [8, 8, 16, 16, 32, 32], encoderBlockOutChannels: [8, 8, 16, 16, 32, 32], attentionHeadDim: 8 };
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenerateResult } from '@sana/pipeline';
import { SAVE_TILE, decodePng, imagePsnr, latentPsnr, psnr, saveGeneration, writePng } from './image-compare.js';

describe('image-compare', () => {
  it("decodes what the pipeline's encodePng and writePng write, byte for byte", () => {
    const w = 37, h = 23;
    const rgba = Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 7919 + (i >> 5) * 31) & 255);
    const im = decodePng(encodePng(rgba, w, h));
    expect([im.width, im.height, im.channels]).toEqual([w, h, 4]);
    expect(Buffer.from(im.data).equals(Buffer.from(rgba))).toBe(true);
    expect(Buffer.from(decodePng(writePng(rgba, w, h)).data).equals(Buffer.from(rgba))).toBe(true);
    // every chunk's CRC agrees with node:zlib's crc32
    const png = Buffer.from(writePng(rgba, w, h));
    for (let at = 8; at < png.length;) {
      const len = png.readUInt32BE(at);
      expect(png.readUInt32BE(at + 8 + len)).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
      at += 12 + len;
    }
    expect(imagePsnr(im, im).psnr_db).toBe(Infinity);
  });

  it('saveGeneration writes the PNG, the raw latents and their shapes, readable back exactly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'save-gen-'));
    const rgba = new Uint8ClampedArray(64 * 32 * 4).map((_, i) => i % 251);
    const latents = Float32Array.from({ length: 2 * 32 * 1 * 2 }, (_, i) => Math.sin(i));
    const r = { images: [{ width: 64, height: 32, rgba }], pixels: new Float32Array(0), pixelDims: [2, 3, 32, 64], latents, timings: { textEncoder: 0, denoise: 0, decode: 0, total: 0 } } as unknown as GenerateResult;
    const [png, f32, meta] = await saveGeneration(dir, 'run', r);
    expect(Buffer.from(decodePng(await readFile(png)).data).equals(Buffer.from(rgba))).toBe(true);
    const back = await readFile(f32);
    expect(new Float32Array(back.buffer.slice(back.byteOffset, back.byteOffset + back.byteLength))).toEqual(latents);
    expect(JSON.parse(await readFile(meta, 'utf8')).latentDims).toEqual([2, 32, 1, 2]);
    await rm(dir, { recursive: true });
  });

  it('saveGeneration tiles an image wider than SAVE_TILE into RGB PNGs that put the image back together', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'save-tiles-'));
    const [w, h] = [SAVE_TILE + 52, 3]; // a 2100x3 strip: two tiles, the second 52 px wide
    const rgba = new Uint8ClampedArray(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 256));
    const r = { images: [{ width: w, height: h, rgba }], pixels: new Float32Array(0), pixelDims: [1, 3, h, w], latents: new Float32Array(0), timings: {} } as unknown as GenerateResult;
    const files = await saveGeneration(dir, 'big', r);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['big.r0c0.png', 'big.r0c1.png', 'big.f32', 'big.json']);
    const [t0, t1] = [decodePng(await readFile(files[0])), decodePng(await readFile(files[1]))];
    expect([t0.width, t0.height, t0.channels, t1.width]).toEqual([SAVE_TILE, h, 3, 52]);
    const rgbAt = (x: number, y: number) => Array.from(rgba.subarray((y * w + x) * 4, (y * w + x) * 4 + 3));
    expect(Array.from(t1.data.subarray((2 * 52 + 51) * 3, (2 * 52 + 52) * 3))).toEqual(rgbAt(w - 1, 2));
    expect(Array.from(t0.data.subarray((SAVE_TILE + 5) * 3, (SAVE_TILE + 6) * 3))).toEqual(rgbAt(5, 1));
    await rm(dir, { recursive: true });
  });

  it('PSNR: a uniform error of 1 on a 255 peak is 48.13 dB; refuses PNG-less bytes and size mismatches', () => {
    expect(psnr([0, 10, 20], [1, 11, 21], 255).psnr_db).toBeCloseTo(20 * Math.log10(255), 6);
    expect(latentPsnr(Float32Array.from([-2, 2]), Float32Array.from([-2, 2.4]))).toMatchObject({ peak: 4, max_abs: expect.closeTo(0.4, 6) });
    expect(() => decodePng(new Uint8Array([1, 2, 3]), 'x.png')).toThrow(FormatError);
    expect(() => psnr([1], [1, 2], 1)).toThrow(/same size/);
  });

  it('random benchmark weights are seeded: the same on every run, independent of read order', async () => {
    const a = new RandomWeights(SANA_600M_1024PX, 0);
    const b = new RandomWeights(SANA_600M_1024PX, 0);
    const k1 = 'transformer_blocks.3.attn1.to_q.weight', k2 = 'caption_norm.weight';
    const [x2, x1] = [await a.getFloat32(k2), await a.getFloat32(k1)];
    expect(await b.getFloat32(k1)).toEqual(x1);
    expect(await b.getFloat32(k2)).toEqual(x2);
    expect(await new RandomWeights(SANA_600M_1024PX, 1).getFloat32(k1)).not.toEqual(x1);
    const key = 'decoder.conv_in.weight';
    const d1 = await randomDcAeWeights(SMALL_DC_AE, { parts: ['decoder'] }).getFloat32(key);
    expect(await randomDcAeWeights(SMALL_DC_AE, { parts: ['decoder'] }).getFloat32(key)).toEqual(d1);
  });
});
