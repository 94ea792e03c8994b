// Shared by the Node examples: command-line parsing and tensor statistics.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEVICES, SanaError, type Device } from '@sana/core';

export interface Parsed {
  readonly positionals: string[];
  readonly values: Record<string, string | boolean | undefined>;
}

/** Parses argv into `positionals` (at least `npos`) and `values`; prints `usage` and exits on a mistake. */
export function cli(usage: string, npos: number, options: NonNullable<ParseArgsConfig['options']>): Parsed {
  try {
    const r = parseArgs({ args: process.argv.slice(2), options, allowPositionals: true, strict: true });
    if (r.positionals.length < npos) throw new Error(`expected ${npos} positional argument(s), got ${r.positionals.length}`);
    return r as Parsed;
  } catch (e) {
    console.error(`${(e as Error).message}\nusage: ${usage}`);
    process.exit(2);
  }
}

/** A number option, or `fallback`; exits naming the option when it is not a number. */
export function num(values: Record<string, unknown>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) { console.error(`--${name} must be a number, got "${v}"`); process.exit(2); }
  return n;
}

export function device(v: unknown): Device {
  if (v === undefined) return 'cpu';
  if (!(DEVICES as readonly unknown[]).includes(v)) { console.error(`--device must be one of ${DEVICES.join(', ')}, got "${v}"`); process.exit(2); }
  return v as Device;
}

/** min, max, mean and standard deviation (over `keep`'s true entries when given). */
export function stats(x: Float32Array, keep?: (i: number) => boolean) {
  let n = 0, sum = 0, sq = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (keep && !keep(i)) continue;
    const v = x[i];
    n++; sum += v; sq += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  const f = (v: number) => Number(v.toPrecision(6));
  return { count: n, min: f(min), max: f(max), mean: f(mean), std: f(Math.sqrt(Math.max(0, sq / n - mean * mean))) };
}

/** Runs `main`; a SanaError (a mistake in the arguments or the checkpoint) prints its message, not a stack. */
export function run(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    if (e instanceof SanaError) { console.error(`error ${e.code}: ${e.message}`); process.exit(1); }
    throw e;
  });
}

export const seconds = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(2)} s`;
