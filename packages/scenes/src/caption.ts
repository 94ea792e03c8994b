// Captions of the sana-shapes domain: a prompt spec written as text, and the text read back into a spec.
import { ArgumentError } from '@sana/core';
import {
  BACKGROUND_NAMES, COLOR_NAMES, COUNT_WORDS, POSITIONS, RELATIONS, SHAPE_NAMES, plural,
  type BackgroundName, type ColorName, type PositionName, type RelationName, type ShapeName,
} from './vocabulary.js';

/** Prompt families, after GenEval's tasks: one object, position, two objects, relation, counting, three objects. */
export const CATEGORIES = Object.freeze(['single', 'position', 'two', 'relation', 'counting', 'three'] as const);
export type Category = (typeof CATEGORIES)[number];

/** One asked object (or `count` identical ones). */
export interface ObjectSpec {
  readonly color: ColorName;
  readonly shape: ShapeName;
  /** 1, or 2-3 for counting prompts. */
  readonly count: number;
  /** Only named sizes; unnamed means any size. */
  readonly size?: 'small' | 'large';
  /** Absolute position ('position' prompts). */
  readonly position?: PositionName;
}

/** What a prompt asks for. */
export interface PromptSpec {
  readonly category: Category;
  readonly objects: readonly ObjectSpec[];
  /** objects[0] `relation` objects[1] ('relation' prompts). */
  readonly relation?: RelationName;
  /** Asked background, if any. */
  readonly background?: BackgroundName;
}

function objectPhrase(o: ObjectSpec): string {
  const size = o.size ? `${o.size} ` : '';
  if (o.count === 1) {
    const first = `${size}${o.color}`;
    return `${/^[aeiou]/.test(first) ? 'an' : 'a'} ${first} ${o.shape}`;
  }
  const word = COUNT_WORDS[o.count as 2 | 3];
  if (!word) throw new ArgumentError('count', `must be 1, 2 or 3, got ${o.count}`);
  return `${word} ${size}${o.color} ${plural(o.shape)}`;
}

/**
 * The caption of a spec.
 * @example writeCaption({ category: 'relation', relation: 'left of', objects: [
 *   { color: 'red', shape: 'circle', count: 1 }, { color: 'blue', shape: 'square', count: 1 }] });
 * // 'a red circle left of a blue square'
 */
export function writeCaption(s: PromptSpec): string {
  const p = s.objects.map(objectPhrase);
  let text: string;
  switch (s.category) {
    case 'single':
    case 'counting':
      text = p[0];
      break;
    case 'position':
      text = `${p[0]} ${POSITIONS[s.objects[0].position!]}`;
      break;
    case 'two':
      text = `${p[0]} and ${p[1]}`;
      break;
    case 'relation':
      text = `${p[0]} ${s.relation} ${p[1]}`;
      break;
    case 'three':
      text = `${p[0]}, ${p[1]} and ${p[2]}`;
      break;
  }
  return s.background ? `${text} on a ${s.background} background` : text;
}

const alt = (xs: readonly string[]) => xs.map((x) => x.replace(/ /g, '\\s+')).join('|');
const OBJ = `(a|an|one|two|three)\\s+(?:(small|large)\\s+)?(${alt(COLOR_NAMES)})\\s+(${alt(SHAPE_NAMES)})(?:e?s)?`;
const POS_PHRASES = Object.entries(POSITIONS) as [PositionName, string][];
const RE_BG = new RegExp(`^(.*?)\\s+on\\s+an?\\s+(${alt(BACKGROUND_NAMES)})\\s+background$`);
const RE_ONE = new RegExp(`^${OBJ}$`);
const RE_POS = new RegExp(`^${OBJ}\\s+(${alt(POS_PHRASES.map(([, p]) => p))})$`);
const RE_REL = new RegExp(`^${OBJ}\\s+(?:to\\s+the\\s+)?(left\\s+of|right\\s+of|above|below)\\s+${OBJ}$`);
const RE_TWO = new RegExp(`^${OBJ}\\s+and\\s+${OBJ}$`);
const RE_THREE = new RegExp(`^${OBJ},?\\s+${OBJ},?\\s+and\\s+${OBJ}$`);
const COUNTS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3 };

function objectOf(m: RegExpMatchArray, at: number, position?: PositionName): ObjectSpec {
  const o: { -readonly [K in keyof ObjectSpec]: ObjectSpec[K] } = {
    count: COUNTS[m[at]], color: m[at + 2] as ColorName, shape: m[at + 3] as ShapeName,
  };
  if (m[at + 1]) o.size = m[at + 1] as 'small' | 'large';
  if (position) o.position = position;
  return o;
}

/**
 * Reads a caption of the domain back into what it asks for (lower-cased, spaces collapsed, a final "." dropped).
 * Accepts "to the left of" for "left of". Throws `ArgumentError` naming `prompt` for text outside the grammar.
 * @example parsePrompt('two yellow stars on a black background').objects[0].count; // 2
 */
export function parsePrompt(prompt: string): PromptSpec {
  let text = prompt.toLowerCase().trim().replace(/\s+/g, ' ').replace(/\.$/, '');
  let background: BackgroundName | undefined;
  const bg = RE_BG.exec(text);
  if (bg) {
    text = bg[1];
    background = bg[2] as BackgroundName;
  }
  const withBg = (s: Omit<PromptSpec, 'background'>): PromptSpec => (background ? { ...s, background } : s);
  let m: RegExpMatchArray | null;
  if ((m = RE_ONE.exec(text))) {
    const o = objectOf(m, 1);
    return withBg({ category: o.count > 1 ? 'counting' : 'single', objects: [o] });
  }
  if ((m = RE_POS.exec(text))) {
    const phrase = m[5].replace(/\s+/g, ' ');
    const position = POS_PHRASES.find(([, p]) => p === phrase)![0];
    return single(withBg({ category: 'position', objects: [objectOf(m, 1, position)] }), prompt);
  }
  if ((m = RE_REL.exec(text))) {
    const relation = m[5].replace(/\s+/g, ' ') as RelationName;
    return single(withBg({ category: 'relation', relation, objects: [objectOf(m, 1), objectOf(m, 6)] }), prompt);
  }
  if ((m = RE_THREE.exec(text))) return single(withBg({ category: 'three', objects: [objectOf(m, 1), objectOf(m, 5), objectOf(m, 9)] }), prompt);
  if ((m = RE_TWO.exec(text))) return single(withBg({ category: 'two', objects: [objectOf(m, 1), objectOf(m, 5)] }), prompt);
  throw new ArgumentError('prompt', `"${prompt}" is not in the sana-shapes grammar; try e.g. "a red circle left of a blue square", `
    + `"two yellow stars on a black background", "a small green triangle at the top right" (colors: ${COLOR_NAMES.join(', ')}; `
    + `shapes: ${SHAPE_NAMES.join(', ')}; relations: ${RELATIONS.join(', ')})`);
}

/** Multi-object prompts name distinct single objects (counting has its own form). */
function single(s: PromptSpec, prompt: string): PromptSpec {
  if (s.objects.some((o) => o.count !== 1)) throw new ArgumentError('prompt', `"${prompt}": counting ("two red circles") is only supported on its own, not combined with other objects`);
  const keys = new Set(s.objects.map((o) => `${o.color} ${o.shape}`));
  if (keys.size !== s.objects.length) throw new ArgumentError('prompt', `"${prompt}" names the same colored shape twice; use a counting prompt ("two red circles")`);
  return s;
}
