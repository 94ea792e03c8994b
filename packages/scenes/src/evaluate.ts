// The GenEval-like check of this domain: does an image show what its prompt asks (objects, colors, shapes, positions)?
import { parsePrompt, type ObjectSpec, type PromptSpec } from './caption.js';
import { detectBackground, detectObjects, type Detection } from './segment.js';
import type { RgbaImage } from './render.js';
import type { BackgroundName, PositionName, RelationName } from './vocabulary.js';

/** The verdict on one image. */
export interface Evaluation {
  readonly prompt: string;
  readonly spec: PromptSpec;
  /** Every asked object, relation, position, count and background holds. */
  readonly correct: boolean;
  /** Why not (empty when correct). */
  readonly failures: readonly string[];
  readonly detections: readonly Detection[];
  readonly background: BackgroundName;
}

/** Position thresholds on the centroid (fractions of the side). Scenes place objects well inside them. */
export function atPosition(d: Pick<Detection, 'cx' | 'cy'>, p: PositionName): boolean {
  const left = d.cx < 0.4;
  const right = d.cx > 0.6;
  const top = d.cy < 0.4;
  const bottom = d.cy > 0.6;
  switch (p) {
    case 'left': return left;
    case 'right': return right;
    case 'top': return top;
    case 'bottom': return bottom;
    case 'center': return Math.abs(d.cx - 0.5) < 0.15 && Math.abs(d.cy - 0.5) < 0.15;
    case 'top left': return top && left;
    case 'top right': return top && right;
    case 'bottom left': return bottom && left;
    case 'bottom right': return bottom && right;
  }
}

/** `a rel b`: at least 0.05 apart along the relation's axis, and more along it than across it. */
export function inRelation(a: Pick<Detection, 'cx' | 'cy'>, b: Pick<Detection, 'cx' | 'cy'>, rel: RelationName): boolean {
  const dx = b.cx - a.cx; // > 0: a is left of b
  const dy = b.cy - a.cy; // > 0: a is above b
  switch (rel) {
    case 'left of': return dx > 0.05 && dx > Math.abs(dy);
    case 'right of': return -dx > 0.05 && -dx > Math.abs(dy);
    case 'above': return dy > 0.05 && dy > Math.abs(dx);
    case 'below': return -dy > 0.05 && -dy > Math.abs(dx);
  }
}

const describe = (o: ObjectSpec) => `${o.color} ${o.shape}`;

export interface EvaluateOptions {
  /** Diagnostic only: match objects by color alone (is the model's failure the shapes, or everything?). */
  readonly ignoreShape?: boolean;
}

/**
 * Checks an image against a prompt of the domain. Like GenEval, objects that were not asked for are allowed,
 * except in counting prompts, where the number of matching objects must be exact. Size words are not checked.
 * @example
 * const { scene, caption } = sampleScene(5);
 * evaluateImage(caption, renderScene(scene)).correct; // true
 */
export function evaluateImage(prompt: string, image: RgbaImage, options: EvaluateOptions = {}): Evaluation {
  const spec = parsePrompt(prompt);
  const detections = detectObjects(image);
  const background = detectBackground(image);
  const failures: string[] = [];
  const matches = spec.objects.map((o) => detections.filter((d) => d.color === o.color && (options.ignoreShape || d.shape === o.shape)));
  spec.objects.forEach((o, i) => {
    const m = matches[i];
    if (spec.category === 'counting') {
      if (m.length !== o.count) failures.push(`expected ${o.count} ${describe(o)}s, found ${m.length}`);
    } else if (m.length === 0) {
      failures.push(`no ${describe(o)}`);
    } else if (o.position && !m.some((d) => atPosition(d, o.position!))) {
      failures.push(`${describe(o)} not ${o.position} (centroid ${m[0].cx.toFixed(2)}, ${m[0].cy.toFixed(2)})`);
    }
  });
  if (spec.relation && matches[0].length && matches[1].length) {
    const ok = matches[0].some((a) => matches[1].some((b) => inRelation(a, b, spec.relation!)));
    if (!ok) failures.push(`${describe(spec.objects[0])} not ${spec.relation} ${describe(spec.objects[1])}`);
  }
  if (spec.background && background !== spec.background) failures.push(`background is ${background}, not ${spec.background}`);
  return { prompt, spec, correct: failures.length === 0, failures, detections, background };
}
