// Type and range checks of `generate` options, run before any work, so a caller's mistake is an ArgumentError
// naming the option (never a TypeError from deep inside, nor an out-of-memory crash from a huge size).
import { ArgumentError } from '@sana/core';

/** Upper bounds that keep a typo (`width: 1e9`) from allocating without limit. Sana's largest models are 4K. */
export const GENERATE_LIMITS = { size: 8192, steps: 1000, batch: 64, maxSequenceLength: 8192 } as const;

const show = (v: unknown) => (typeof v === 'number' ? String(v) : typeof v === 'object' ? (v === null ? 'null' : Array.isArray(v) ? 'an array' : 'an object') : JSON.stringify(v) ?? typeof v);

function intIn(o: Record<string, unknown>, name: string, min: number, max: number) {
  const v = o[name];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ArgumentError(name, `must be an integer >= ${min}, got ${show(v)}`);
  if (v > max) throw new ArgumentError(name, `is ${v}; at most ${max} is accepted`);
}

function strings(o: Record<string, unknown>, name: string, allowNull: boolean) {
  const v = o[name];
  if (v === undefined || typeof v === 'string' || (allowNull && v === null)) return;
  if (!Array.isArray(v)) throw new ArgumentError(name, `must be a string or a list of strings, got ${show(v)}`);
  v.forEach((x, i) => { if (typeof x !== 'string') throw new ArgumentError(`${name}[${i}]`, `must be a string, got ${show(x)}`); });
}

const isTensor = (v: unknown) => typeof v === 'object' && v !== null && Array.isArray((v as { dims?: unknown }).dims) && typeof (v as { read?: unknown }).read === 'function';

/**
 * Checks the types and ranges of `generate` options (what `resolveSize` and the samplers then rely on).
 * @example checkGenerateOptions({ prompt: 'a fox', width: 1e9 }); // ArgumentError: width: is 1000000000; at most 8192 is accepted
 */
export function checkGenerateOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ArgumentError('options', `must be an object, got ${show(options)}`);
  const o = options as Record<string, unknown>;
  strings(o, 'prompt', false);
  strings(o, 'negativePrompt', true);
  if (o.complexHumanInstruction !== undefined && o.complexHumanInstruction !== null) {
    if (!Array.isArray(o.complexHumanInstruction)) throw new ArgumentError('complexHumanInstruction', `must be a list of strings or null, got ${show(o.complexHumanInstruction)}`);
    strings(o, 'complexHumanInstruction', false);
    const chi = o.complexHumanInstruction as string[];
    if (chi.length && chi.join('\n') === '') throw new ArgumentError('complexHumanInstruction', 'holds only empty lines; use null or [] for no instruction');
  }
  intIn(o, 'width', 1, GENERATE_LIMITS.size);
  intIn(o, 'height', 1, GENERATE_LIMITS.size);
  intIn(o, 'steps', 1, GENERATE_LIMITS.steps);
  intIn(o, 'numImagesPerPrompt', 1, GENERATE_LIMITS.batch);
  intIn(o, 'maxSequenceLength', 2, GENERATE_LIMITS.maxSequenceLength);
  // torch.manual_seed takes any 64-bit integer; we draw from a safe integer.
  intIn(o, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (o.guidanceScale !== undefined && (typeof o.guidanceScale !== 'number' || !Number.isFinite(o.guidanceScale))) {
    throw new ArgumentError('guidanceScale', `must be a finite number, got ${show(o.guidanceScale)}`);
  }
  if (o.useResolutionBinning !== undefined && typeof o.useResolutionBinning !== 'boolean') throw new ArgumentError('useResolutionBinning', `must be true or false, got ${show(o.useResolutionBinning)}`);
  if (o.latents !== undefined && !(o.latents instanceof Float32Array) && !isTensor(o.latents)) throw new ArgumentError('latents', `must be a Float32Array or a float32 Tensor, got ${show(o.latents)}`);
  if (o.onStep !== undefined && o.onStep !== null && typeof o.onStep !== 'function') throw new ArgumentError('onStep', `must be a function, got ${show(o.onStep)}`);
  if (o.signal !== undefined && o.signal !== null && typeof (o.signal as { aborted?: unknown }).aborted !== 'boolean') throw new ArgumentError('signal', `must be an AbortSignal, got ${show(o.signal)}`);
  if (o.promptEmbeds !== undefined && o.promptEmbeds !== null) {
    const e = o.promptEmbeds as Record<string, unknown>;
    if (typeof e !== 'object' || !isTensor(e.embeds) || !isTensor(e.mask)) throw new ArgumentError('promptEmbeds', 'must be { embeds, mask } tensors ([B, L, C] and [B, L])');
    for (const k of ['negEmbeds', 'negMask']) if (e[k] !== undefined && !isTensor(e[k])) throw new ArgumentError(`promptEmbeds.${k}`, 'must be a Tensor');
  }
}
