// PNG encoding of generated images (the pipeline's `output_type="pil"` + `image.save("x.png")` step).
//
// Uses the npm package `fast-png` because it is small, pure JavaScript (its only dependencies, fflate and
// iobuffer, are pure JS too) and needs no Node built-ins, so the same code runs in browsers and in Node;
// a native encoder (sharp, canvas) would break the browser build and add install-time binaries.
import { encode } from 'fast-png';
import { ArgumentError } from '@sana/core';

/**
 * Encode an 8-bit RGBA image (row-major, 4 bytes per pixel, e.g. from `toRgba`) as PNG bytes.
 *
 * @throws ArgumentError when width/height are not positive integers or the buffer length is not
 *   width * height * 4.
 * @example
 * const [rgba] = toRgba(denormalize(decoded), [1, 3, 1024, 1024]);
 * const bytes = encodePng(rgba, 1024, 1024); // Uint8Array starting with the PNG signature
 */
export function encodePng(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || width <= 0) throw new ArgumentError('width', `must be a positive integer, got ${String(width)}`);
  if (!Number.isInteger(height) || height <= 0) throw new ArgumentError('height', `must be a positive integer, got ${String(height)}`);
  const expected = width * height * 4;
  if (rgba.length !== expected) {
    throw new ArgumentError('rgba', `has ${rgba.length} bytes, expected width * height * 4 = ${expected} (${width}x${height} RGBA)`);
  }
  return encode({ width, height, data: rgba, depth: 8, channels: 4 });
}
