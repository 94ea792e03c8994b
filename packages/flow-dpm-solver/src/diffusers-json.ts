// Reads diffusers' JSON config files, which Python writes with bare NaN / Infinity / -Infinity values.
import { FormatError } from '@sana/core';

const SENTINEL = '\u0000nonfinite:';
const NON_FINITE: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/**
 * `JSON.parse` that also accepts Python's `NaN`, `Infinity` and `-Infinity` outside strings
 * (e.g. `"lambda_min_clipped": -Infinity` in DPMSolverMultistepScheduler configs).
 * @example parseDiffusersJson('{"lambda_min_clipped": -Infinity}').lambda_min_clipped // -Infinity
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function parseDiffusersJson(text: string, file?: string): any {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      // copy a string literal verbatim, escapes included
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const word = /^(-Infinity|Infinity|NaN)\b/.exec(text.slice(i, i + 9));
    if (word) {
      out += JSON.stringify(SENTINEL + word[1]);
      i += word[1].length;
      continue;
    }
    out += c;
    i++;
  }
  try {
    return JSON.parse(out, (_k, v) => (typeof v === 'string' && v.startsWith(SENTINEL) ? NON_FINITE[v.slice(SENTINEL.length)] : v));
  } catch (e) {
    throw new FormatError(`is not valid JSON (${(e as Error).message})`, file, { cause: e });
  }
}
