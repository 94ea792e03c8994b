// The scene rasterizer: signed distance per pixel, one-pixel anti-aliasing ramp, objects painted in order.
//
// training/shapes_data.py is a line-by-line port (numpy / torch) used to draw the training images on the GPU
// machine; keep the two in step (render.test.ts pins a few pixel values both must produce).
import { ArgumentError } from '@sana/core';
import { BACKGROUNDS, COLORS, SHAPES, type ShapeGeometry } from './vocabulary.js';
import type { Scene, SceneObject } from './scene.js';

/** An 8-bit RGBA image, row-major (the same layout as the pipeline's `GeneratedImage`). */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8ClampedArray;
}

/** Signed distance in pixels from (px, py) to a polygon (negative inside); Inigo Quilez's exact polygon SDF. */
export function polygonSdf(px: number, py: number, vx: readonly number[], vy: readonly number[]): number {
  const n = vx.length;
  let d = (px - vx[0]) ** 2 + (py - vy[0]) ** 2;
  let s = 1;
  for (let i = 0, j = n - 1; i < n; j = i, i++) {
    const ex = vx[j] - vx[i];
    const ey = vy[j] - vy[i];
    const wx = px - vx[i];
    const wy = py - vy[i];
    const t = Math.min(1, Math.max(0, (wx * ex + wy * ey) / (ex * ex + ey * ey)));
    const bx = wx - ex * t;
    const by = wy - ey * t;
    d = Math.min(d, bx * bx + by * by);
    const c1 = py >= vy[i];
    const c2 = py < vy[j];
    const c3 = ex * wy > ey * wx;
    if ((c1 && c2 && c3) || (!c1 && !c2 && !c3)) s = -s;
  }
  return s * Math.sqrt(d);
}

/** Paints one object into a float RGB buffer (values 0-255). */
function paint(buf: Float64Array, size: number, o: SceneObject, g: ShapeGeometry, color: readonly number[]): void {
  const cx = o.cx * size;
  const cy = o.cy * size;
  const r = o.r * size;
  const reach = g.bound * r + 2;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(size - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(size - 1, Math.ceil(cy + reach));
  const vx = g.kind === 'polygon' ? g.vertices.map(([x]) => cx + x * r) : [];
  const vy = g.kind === 'polygon' ? g.vertices.map(([, y]) => cy + y * r) : [];
  for (let y = y0; y <= y1; y++) {
    const py = y + 0.5;
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5;
      const sd = g.kind === 'circle' ? Math.sqrt((px - cx) ** 2 + (py - cy) ** 2) - r : polygonSdf(px, py, vx, vy);
      const a = Math.min(1, Math.max(0, 0.5 - sd)); // coverage: 1 inside, 0 outside, linear across the edge pixel
      if (a <= 0) continue;
      const k = 3 * (y * size + x);
      for (let ch = 0; ch < 3; ch++) buf[k + ch] += (color[ch] - buf[k + ch]) * a;
    }
  }
}

/**
 * Draws a scene at `size` x `size` pixels.
 * @example const img = renderScene(sampleScene(1).scene, 512); // img.rgba: Uint8ClampedArray of 512*512*4
 */
export function renderScene(scene: Scene, size = 512): RgbaImage {
  if (!Number.isInteger(size) || size < 8 || size > 8192) throw new ArgumentError('size', `must be an integer number of pixels in [8, 8192], got ${size}`);
  const bg = BACKGROUNDS[scene.background];
  if (!bg) throw new ArgumentError('scene.background', `is "${scene.background}"; expected one of ${Object.keys(BACKGROUNDS).join(', ')}`);
  const buf = new Float64Array(size * size * 3);
  for (let i = 0; i < size * size; i++) { buf[3 * i] = bg[0]; buf[3 * i + 1] = bg[1]; buf[3 * i + 2] = bg[2]; }
  scene.objects.forEach((o, i) => {
    const g = SHAPES[o.shape];
    const color = COLORS[o.color];
    if (!g) throw new ArgumentError(`scene.objects[${i}].shape`, `is "${o.shape}"; expected one of ${Object.keys(SHAPES).join(', ')}`);
    if (!color) throw new ArgumentError(`scene.objects[${i}].color`, `is "${o.color}"; expected one of ${Object.keys(COLORS).join(', ')}`);
    paint(buf, size, o, g, color);
  });
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    for (let ch = 0; ch < 3; ch++) rgba[4 * i + ch] = Math.floor(buf[3 * i + ch] + 0.5);
    rgba[4 * i + 3] = 255;
  }
  return { width: size, height: size, rgba };
}
