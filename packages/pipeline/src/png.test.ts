import { describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { ArgumentError } from '@sana/core';
import { encodePng } from './png.js';
import { toRgba } from './image-resize.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('encodePng', () => {
  it('round-trips through fast-png decode with identical pixels', () => {
    const width = 37; // odd sizes so rows are not word-aligned
    const height = 23;
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 131 + (i >> 7) * 17) & 0xff;
    const bytes = encodePng(rgba, width, height);
    expect(Array.from(bytes.subarray(0, 8))).toEqual(PNG_SIGNATURE);
    const png = decode(bytes);
    expect(png.width).toBe(width);
    expect(png.height).toBe(height);
    expect(png.channels).toBe(4);
    expect(png.depth).toBe(8);
    expect(Array.from(png.data)).toEqual(Array.from(rgba));
  });

  it('writes the size into the IHDR chunk (big-endian width, height)', () => {
    const bytes = encodePng(new Uint8Array(300 * 2 * 4), 300, 2);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(String.fromCharCode(...bytes.subarray(12, 16))).toBe('IHDR');
    expect(view.getUint32(16)).toBe(300);
    expect(view.getUint32(20)).toBe(2);
  });

  it('encodes the output of toRgba', () => {
    // [1, 3, 2, 1]: a red pixel over a half-grey one.
    const [rgba] = toRgba(new Float32Array([1, 0.5, 0, 0.5, 0, 0.5]), [1, 3, 2, 1]);
    const png = decode(encodePng(rgba, 1, 2));
    expect(Array.from(png.data)).toEqual([255, 0, 0, 255, 128, 128, 128, 255]);
  });

  it('rejects a buffer that does not match the size', () => {
    expect(() => encodePng(new Uint8Array(15), 2, 2)).toThrow(ArgumentError);
    expect(() => encodePng(new Uint8Array(15), 2, 2)).toThrow(/rgba: has 15 bytes, expected .* 16/);
    expect(() => encodePng(new Uint8Array(0), 0, 0)).toThrow(/width/);
    expect(() => encodePng(new Uint8Array(8), 2, 1.5)).toThrow(/height/);
  });
});
