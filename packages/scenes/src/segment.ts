// Object detection by plain image analysis: chroma/hue segmentation, connected components, contour features.
import { ArgumentError } from '@sana/core';
import { BACKGROUNDS, COLORS, type BackgroundName, type ColorName, type ShapeName } from './vocabulary.js';
import type { RgbaImage } from './render.js';

/** One object found in an image. Positions and area are fractions of the image side / area. */
export interface Detection {
  readonly color: ColorName;
  readonly shape: ShapeName;
  /** Centroid. */
  readonly cx: number;
  readonly cy: number;
  readonly area: number;
  /** Pixels / bounding-box pixels: square 1, circle 0.79, triangle 0.5, star 0.38. */
  readonly fill: number;
  /** Pixels / convex-hull area: about 1 for convex shapes, 0.56 for the star. */
  readonly solidity: number;
}

/** A pixel is object (not background) when max(R,G,B) - min(R,G,B) reaches this: every background is gray. */
const MIN_CHROMA = 48;
/** Components smaller than this fraction of the image are noise (the smallest object covers about 0.8 %). */
const MIN_AREA = 0.0015;
/** Components filling less of their bounding box are lines, not objects (the star, the sparsest shape, fills 0.38). */
const MIN_FILL = 0.2;

function hueOf(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const c = max - Math.min(r, g, b);
  if (c === 0) return 0;
  let h: number;
  if (max === r) h = ((g - b) / c) % 6;
  else if (max === g) h = (b - r) / c + 2;
  else h = (r - g) / c + 4;
  return (h * 60 + 360) % 360;
}

const PALETTE = Object.entries(COLORS).map(([name, [r, g, b]]) => ({ name: name as ColorName, hue: hueOf(r, g, b) }));

function paletteIndexOfHue(h: number): number {
  let best = 0;
  let bestD = Infinity;
  PALETTE.forEach((p, i) => {
    const d = Math.min(Math.abs(h - p.hue), 360 - Math.abs(h - p.hue));
    if (d < bestD) { bestD = d; best = i; }
  });
  return best;
}

/** Nearest palette color by hue (anti-aliased edges mix with a gray, which keeps the hue). */
export function colorOfHue(h: number): ColorName {
  return PALETTE[paletteIndexOfHue(h)].name;
}

/** Shape from the two contour features (thresholds halfway between the ideal shapes' values). */
export function shapeOf(fill: number, solidity: number): ShapeName {
  if (solidity < 0.78) return 'star';
  if (fill >= 0.89) return 'square';
  if (fill >= 0.645) return 'circle';
  return 'triangle';
}

/** Area of the convex hull of integer points (Andrew's monotone chain + shoelace). */
export function convexHullArea(xs: number[], ys: number[]): number {
  const idx = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b] || ys[a] - ys[b]);
  const cross = (o: number, a: number, b: number) => (xs[a] - xs[o]) * (ys[b] - ys[o]) - (ys[a] - ys[o]) * (xs[b] - xs[o]);
  const half = (order: number[]) => {
    const h: number[] = [];
    for (const p of order) {
      while (h.length >= 2 && cross(h[h.length - 2], h[h.length - 1], p) <= 0) h.pop();
      h.push(p);
    }
    h.pop();
    return h;
  };
  const hull = [...half(idx), ...half([...idx].reverse())];
  let a = 0;
  for (let i = 0; i < hull.length; i++) {
    const p = hull[i];
    const q = hull[(i + 1) % hull.length];
    a += xs[p] * ys[q] - xs[q] * ys[p];
  }
  return Math.abs(a) / 2;
}

function checkImage(img: RgbaImage): void {
  if (!img || !Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1) {
    throw new ArgumentError('image', 'must have positive integer width and height');
  }
  if (!img.rgba || img.rgba.length !== img.width * img.height * 4) {
    throw new ArgumentError('image.rgba', `has ${img.rgba?.length} bytes; expected width * height * 4 = ${img.width * img.height * 4}`);
  }
}

/**
 * Every object in an image: pixels with color are grouped into 4-connected components; each component larger
 * than 0.15 % of the image that fills at least a fifth of its bounding box (not a line, such as a colored fringe
 * along an image border) becomes a detection with its majority hue color and its shape.
 * @example detectObjects(renderScene(sampleScene(3).scene)).map((d) => `${d.color} ${d.shape}`);
 */
export function detectObjects(img: RgbaImage): Detection[] {
  checkImage(img);
  const { width: W, height: H, rgba } = img;
  const n = W * H;
  const cls = new Int8Array(n).fill(-1); // palette index of colored pixels, -1 for background
  for (let i = 0; i < n; i++) {
    const r = rgba[4 * i];
    const g = rgba[4 * i + 1];
    const b = rgba[4 * i + 2];
    if (Math.max(r, g, b) - Math.min(r, g, b) < MIN_CHROMA) continue;
    cls[i] = paletteIndexOfHue(hueOf(r, g, b));
  }
  // Label 4-connected components of colored pixels; `members` lists each component's pixels in one span.
  const label = new Int32Array(n).fill(-1);
  const members = new Int32Array(n);
  const spans: [number, number][] = [];
  let filled = 0;
  for (let s = 0; s < n; s++) {
    if (cls[s] < 0 || label[s] >= 0) continue;
    const id = spans.length;
    const start = filled;
    members[filled++] = s;
    label[s] = id;
    for (let k = start; k < filled; k++) { // breadth-first: `members` doubles as the queue
      const p = members[k];
      const x = p % W;
      if (x > 0 && cls[p - 1] >= 0 && label[p - 1] < 0) { label[p - 1] = id; members[filled++] = p - 1; }
      if (x < W - 1 && cls[p + 1] >= 0 && label[p + 1] < 0) { label[p + 1] = id; members[filled++] = p + 1; }
      if (p >= W && cls[p - W] >= 0 && label[p - W] < 0) { label[p - W] = id; members[filled++] = p - W; }
      if (p + W < n && cls[p + W] >= 0 && label[p + W] < 0) { label[p + W] = id; members[filled++] = p + W; }
    }
    spans.push([start, filled]);
  }
  const minArea = MIN_AREA * n;
  const out: Detection[] = [];
  for (const [start, end] of spans) {
    if (end - start < minArea) continue;
    const d = describe(start, end);
    if (d.fill >= MIN_FILL) out.push(d);
  }
  return out;

  function describe(start: number, end: number): Detection {
    const votes = new Array<number>(PALETTE.length).fill(0);
    const rowMin = new Int32Array(H).fill(W);
    const rowMax = new Int32Array(H).fill(-1);
    const count = end - start;
    let sx = 0;
    let sy = 0;
    let x0 = W;
    let x1 = -1;
    let y0 = H;
    let y1 = -1;
    for (let k = start; k < end; k++) {
      const p = members[k];
      const x = p % W;
      const y = (p - x) / W;
      sx += x;
      sy += y;
      votes[cls[p]]++;
      if (x < rowMin[y]) rowMin[y] = x;
      if (x > rowMax[y]) rowMax[y] = x;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    // The hull of the pixel squares: both corners of each row's extreme pixels.
    const hx: number[] = [];
    const hy: number[] = [];
    for (let y = y0; y <= y1; y++) {
      if (rowMax[y] < 0) continue;
      hx.push(rowMin[y], rowMin[y], rowMax[y] + 1, rowMax[y] + 1);
      hy.push(y, y + 1, y, y + 1);
    }
    const fill = count / ((x1 - x0 + 1) * (y1 - y0 + 1));
    const solidity = count / convexHullArea(hx, hy);
    const color = PALETTE[votes.indexOf(Math.max(...votes))].name;
    return {
      color, shape: shapeOf(fill, solidity),
      cx: (sx / count + 0.5) / W, cy: (sy / count + 0.5) / H, area: count / n, fill, solidity,
    };
  }
}

/** The background: the median of the border pixels without color, nearest of the domain's backgrounds. */
export function detectBackground(img: RgbaImage): BackgroundName {
  checkImage(img);
  const { width: W, height: H, rgba } = img;
  const ch: number[][] = [[], [], []];
  const take = (x: number, y: number) => {
    const k = 4 * (y * W + x);
    if (Math.max(rgba[k], rgba[k + 1], rgba[k + 2]) - Math.min(rgba[k], rgba[k + 1], rgba[k + 2]) >= MIN_CHROMA) return;
    for (let c = 0; c < 3; c++) ch[c].push(rgba[k + c]);
  };
  for (let x = 0; x < W; x++) { take(x, 0); take(x, H - 1); }
  for (let y = 1; y < H - 1; y++) { take(0, y); take(W - 1, y); }
  if (ch[0].length === 0) for (let x = 0; x < W; x++) for (const y of [0, H - 1]) for (let c = 0; c < 3; c++) ch[c].push(rgba[4 * (y * W + x) + c]);
  const med = ch.map((v) => v.sort((a, b) => a - b)[v.length >> 1]);
  let best: BackgroundName = 'white';
  let bestD = Infinity;
  for (const [name, rgb] of Object.entries(BACKGROUNDS)) {
    const d = rgb.reduce((s, v, c) => s + (v - med[c]) ** 2, 0);
    if (d < bestD) { bestD = d; best = name as BackgroundName; }
  }
  return best;
}
