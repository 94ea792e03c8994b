// The sana-shapes domain: the colors, backgrounds, shapes, sizes, positions and relations a scene and its caption use.
//
// Every object color is saturated and every background achromatic, so the evaluator can tell object from
// background by chroma alone and the object's color by hue alone (anti-aliased edges keep the hue).

/** Object colors, sRGB 0-255. Hues: red 0, orange 32, yellow 54, green 134, blue 223, purple 276 degrees. */
export const COLORS = Object.freeze({
  red: [220, 40, 40],
  orange: [245, 140, 20],
  yellow: [235, 215, 20],
  green: [40, 170, 70],
  blue: [40, 90, 220],
  purple: [140, 50, 200],
} as const satisfies Record<string, readonly [number, number, number]>);
export type ColorName = keyof typeof COLORS;
export const COLOR_NAMES = Object.freeze(Object.keys(COLORS) as ColorName[]);

/** Backgrounds, sRGB 0-255 (achromatic). */
export const BACKGROUNDS = Object.freeze({
  white: [250, 250, 250],
  gray: [128, 128, 128],
  black: [15, 15, 15],
} as const satisfies Record<string, readonly [number, number, number]>);
export type BackgroundName = keyof typeof BACKGROUNDS;
export const BACKGROUND_NAMES = Object.freeze(Object.keys(BACKGROUNDS) as BackgroundName[]);

/**
 * A shape as the rasterizer draws it, in units of the object's size `r`, y pointing down, centred on the
 * object's (cx, cy): a circle of radius 1, or a polygon. `bound` is the radius of a circle around the centre
 * that holds the whole shape (used to keep objects apart and inside the canvas).
 */
export type ShapeGeometry =
  | { readonly kind: 'circle'; readonly bound: number }
  | { readonly kind: 'polygon'; readonly vertices: readonly (readonly [number, number])[]; readonly bound: number };

const SQUARE_HALF = Math.sqrt(Math.PI) / 2; // the square of the circle's area: side sqrt(pi) r
const STAR_OUTER = 1.2;
const STAR_INNER = 0.45 * STAR_OUTER; // fatter than a pentagram (0.38) so small stars keep their points

function starVertices(): [number, number][] {
  const v: [number, number][] = [];
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5; // first point straight up
    const rad = i % 2 === 0 ? STAR_OUTER : STAR_INNER;
    v.push([rad * Math.cos(a), rad * Math.sin(a)]);
  }
  return v;
}

const boundOf = (vs: readonly (readonly [number, number])[]) => Math.max(...vs.map(([x, y]) => Math.hypot(x, y)));
const polygon = (vertices: [number, number][]): ShapeGeometry =>
  Object.freeze({ kind: 'polygon' as const, vertices: Object.freeze(vertices.map((v) => Object.freeze(v))), bound: boundOf(vertices) });

/** The shapes, by the word the caption uses. */
export const SHAPES = Object.freeze({
  circle: Object.freeze({ kind: 'circle' as const, bound: 1 }),
  square: polygon([[-SQUARE_HALF, -SQUARE_HALF], [SQUARE_HALF, -SQUARE_HALF], [SQUARE_HALF, SQUARE_HALF], [-SQUARE_HALF, SQUARE_HALF]]),
  // Isosceles, apex up, centred on its bounding box: base 2.2 r, height 1.905 r (equilateral proportions).
  triangle: polygon([[0, -0.9525], [1.1, 0.9525], [-1.1, 0.9525]]),
  star: polygon(starVertices()),
} satisfies Record<string, ShapeGeometry>);
export type ShapeName = keyof typeof SHAPES;
export const SHAPE_NAMES = Object.freeze(Object.keys(SHAPES) as ShapeName[]);

/** Object size `r` as a fraction of the canvas side. Captions say "small" or "large"; medium is never named. */
export const SIZES = Object.freeze({ small: 0.065, medium: 0.09, large: 0.115 });
export type SizeName = keyof typeof SIZES;
export const SIZE_NAMES = Object.freeze(Object.keys(SIZES) as SizeName[]);

/** Absolute positions of one object, with the caption phrase. */
export const POSITIONS = Object.freeze({
  left: 'on the left',
  right: 'on the right',
  top: 'at the top',
  bottom: 'at the bottom',
  center: 'in the center',
  'top left': 'at the top left',
  'top right': 'at the top right',
  'bottom left': 'at the bottom left',
  'bottom right': 'at the bottom right',
} as const);
export type PositionName = keyof typeof POSITIONS;
export const POSITION_NAMES = Object.freeze(Object.keys(POSITIONS) as PositionName[]);

/** Relations between two objects ("A left of B"). */
export const RELATIONS = Object.freeze(['left of', 'right of', 'above', 'below'] as const);
export type RelationName = (typeof RELATIONS)[number];

/** Number words of counting prompts. */
export const COUNT_WORDS = Object.freeze({ 2: 'two', 3: 'three' } as const);

/** Plural of a shape word. */
export const plural = (s: ShapeName): string => `${s}s`;
