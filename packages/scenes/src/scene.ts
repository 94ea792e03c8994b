// Scenes of the sana-shapes domain: 1-3 objects on a plain background, sampled from a seed with the caption that describes them.
import { ArgumentError } from '@sana/core';
import { createRng, type Rng } from './rng.js';
import { CATEGORIES, writeCaption, type Category, type ObjectSpec, type PromptSpec } from './caption.js';
import {
  BACKGROUND_NAMES, COLOR_NAMES, POSITION_NAMES, RELATIONS, SHAPES, SHAPE_NAMES, SIZES, SIZE_NAMES,
  type BackgroundName, type ColorName, type PositionName, type RelationName, type ShapeName, type SizeName,
} from './vocabulary.js';

/** One drawn object. Coordinates are fractions of the canvas side (0 = left / top). */
export interface SceneObject {
  readonly shape: ShapeName;
  readonly color: ColorName;
  readonly size: SizeName;
  readonly cx: number;
  readonly cy: number;
  /** Size in canvas sides (`SIZES[size]`). */
  readonly r: number;
}

export interface Scene {
  readonly background: BackgroundName;
  readonly objects: readonly SceneObject[];
}

/** A scene, the spec it was drawn from, and its caption. */
export interface CaptionedScene {
  readonly seed: number;
  readonly scene: Scene;
  readonly spec: PromptSpec;
  readonly caption: string;
}

/** How often each prompt family appears in training data. */
export const TRAIN_CATEGORY_WEIGHTS: Readonly<Record<Category, number>> = Object.freeze({
  single: 0.12, position: 0.2, two: 0.15, relation: 0.28, counting: 0.1, three: 0.15,
});

/** Odds that a caption names the size / the background. */
const SAY_SIZE = 0.3;
const SAY_BACKGROUND = 0.5;
/** Gap between objects' bounding circles, and from the canvas edge (canvas sides). */
const GAP = 0.03;
const EDGE = 0.02;

export interface SampleOptions {
  /** Prompt family; default drawn with TRAIN_CATEGORY_WEIGHTS. */
  readonly category?: Category;
}

function drawCategory(rng: Rng): Category {
  let u = rng.next();
  for (const c of CATEGORIES) {
    u -= TRAIN_CATEGORY_WEIGHTS[c];
    if (u < 0) return c;
  }
  return CATEGORIES[CATEGORIES.length - 1];
}

/** `n` (color, shape) pairs, all different. */
function distinctKinds(rng: Rng, n: number): { color: ColorName; shape: ShapeName }[] {
  const out: { color: ColorName; shape: ShapeName }[] = [];
  while (out.length < n) {
    const k = { color: rng.pick(COLOR_NAMES), shape: rng.pick(SHAPE_NAMES) };
    if (!out.some((o) => o.color === k.color && o.shape === k.shape)) out.push(k);
  }
  return out;
}

function drawSize(rng: Rng): { size: SizeName; said?: 'small' | 'large' } {
  const size = rng.pick(SIZE_NAMES);
  return size !== 'medium' && rng.chance(SAY_SIZE) ? { size, said: size } : { size };
}

/** Centre range along one axis for a region ('low' = left/top third, 'mid', 'high', 'any'). */
function axisRange(region: 'low' | 'mid' | 'high' | 'any', bound: number): [number, number] {
  const lo = bound + EDGE;
  const hi = 1 - bound - EDGE;
  switch (region) {
    case 'low': return [lo, 0.3];
    case 'mid': return [0.43, 0.57];
    case 'high': return [0.7, hi];
    case 'any': return [lo, hi];
  }
}

function regionsOf(p: PositionName | undefined): ['low' | 'mid' | 'high' | 'any', 'low' | 'mid' | 'high' | 'any'] {
  switch (p) {
    case undefined: return ['any', 'any'];
    case 'left': return ['low', 'any'];
    case 'right': return ['high', 'any'];
    case 'top': return ['any', 'low'];
    case 'bottom': return ['any', 'high'];
    case 'center': return ['mid', 'mid'];
    case 'top left': return ['low', 'low'];
    case 'top right': return ['high', 'low'];
    case 'bottom left': return ['low', 'high'];
    case 'bottom right': return ['high', 'high'];
  }
}

interface Placed { cx: number; cy: number; bound: number }
const apart = (a: Placed, b: Placed) => Math.hypot(a.cx - b.cx, a.cy - b.cy) >= a.bound + b.bound + GAP;

/** Places objects until none overlap: free ones anywhere (or in their position's region), related ones by the relation. */
function place(rng: Rng, items: { shape: ShapeName; r: number; position?: PositionName }[], relation?: RelationName): Placed[] {
  const bounds = items.map((it) => SHAPES[it.shape].bound * it.r);
  for (let attempt = 0; ; attempt++) {
    if (attempt > 10_000) throw new Error('scene placement did not converge'); // cannot happen with these sizes
    let placed: Placed[];
    if (relation) {
      placed = placeRelated(rng, bounds, relation);
    } else {
      placed = items.map((it, i) => {
        const [rx, ry] = regionsOf(it.position);
        const [x0, x1] = axisRange(rx, bounds[i]);
        const [y0, y1] = axisRange(ry, bounds[i]);
        return { cx: rng.uniform(x0, x1), cy: rng.uniform(y0, y1), bound: bounds[i] };
      });
    }
    let ok = true;
    for (let i = 0; i < placed.length && ok; i++) for (let j = i + 1; j < placed.length && ok; j++) ok = apart(placed[i], placed[j]);
    if (ok) return placed;
  }
}

/** A `rel` B: 0.3 or more apart along the relation's axis, within 0.1 across it. */
function placeRelated(rng: Rng, [ba, bb]: number[], rel: RelationName): Placed[] {
  const horizontal = rel === 'left of' || rel === 'right of';
  const aFirst = rel === 'left of' || rel === 'above'; // A has the smaller coordinate along the axis
  const [lo0, hi0] = axisRange('any', Math.max(ba, bb));
  const d = rng.uniform(0.3, Math.max(0.3, hi0 - lo0));
  const start = rng.uniform(lo0, hi0 - d);
  const [ua, ub] = aFirst ? [start, start + d] : [start + d, start];
  const across = rng.uniform(lo0, hi0);
  const va = Math.min(hi0, Math.max(lo0, across + rng.uniform(-0.05, 0.05)));
  const vb = Math.min(hi0, Math.max(lo0, across + rng.uniform(-0.05, 0.05)));
  return horizontal
    ? [{ cx: ua, cy: va, bound: ba }, { cx: ub, cy: vb, bound: bb }]
    : [{ cx: va, cy: ua, bound: ba }, { cx: vb, cy: ub, bound: bb }];
}

/**
 * A scene and its caption, deterministic in `seed`.
 * @example const { caption, scene } = sampleScene(42); // caption like 'a small blue star left of an orange circle'
 */
export function sampleScene(seed: number, options: SampleOptions = {}): CaptionedScene {
  if (!Number.isInteger(seed)) throw new ArgumentError('seed', `must be an integer, got ${seed}`);
  const rng = createRng(seed);
  const category = options.category ?? drawCategory(rng);
  if (!CATEGORIES.includes(category)) throw new ArgumentError('category', `is "${category}"; expected one of ${CATEGORIES.join(', ')}`);
  const background = rng.pick(BACKGROUND_NAMES);
  const nKinds = { single: 1, position: 1, counting: 1, two: 2, relation: 2, three: 3 }[category];
  const kinds = distinctKinds(rng, nKinds);
  const specs: ObjectSpec[] = [];
  const items: { shape: ShapeName; color: ColorName; size: SizeName; r: number; position?: PositionName }[] = [];
  if (category === 'counting') {
    const count = rng.chance(0.5) ? 2 : 3;
    const { size, said } = drawSize(rng);
    specs.push({ ...kinds[0], count, ...(said ? { size: said } : {}) });
    for (let i = 0; i < count; i++) items.push({ ...kinds[0], size, r: SIZES[size] });
  } else {
    for (const k of kinds) {
      const { size, said } = drawSize(rng);
      const position = category === 'position' ? rng.pick(POSITION_NAMES) : undefined;
      specs.push({ ...k, count: 1, ...(said ? { size: said } : {}), ...(position ? { position } : {}) });
      items.push({ ...k, size, r: SIZES[size], ...(position ? { position } : {}) });
    }
  }
  const relation = category === 'relation' ? rng.pick(RELATIONS) : undefined;
  const placed = place(rng, items, relation);
  const spec: PromptSpec = {
    category, objects: specs,
    ...(relation ? { relation } : {}),
    ...(rng.chance(SAY_BACKGROUND) ? { background } : {}),
  };
  const objects = items.map((it, i) => ({ shape: it.shape, color: it.color, size: it.size, cx: placed[i].cx, cy: placed[i].cy, r: it.r }));
  return { seed, scene: { background, objects }, spec, caption: writeCaption(spec) };
}
