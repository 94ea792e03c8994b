// Parity harness: compares our tensors with the reference PyTorch fixtures and reports max errors.
import type { WeightStore } from './safetensors.js';

/** A fixture folder with the layout of `fixtures/reference` (reference.json + reference.safetensors + checkpoints). */
export interface Fixture {
  readonly dir: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
  readonly tensors: WeightStore;
  /** Absolute path (or URL) of a file inside the fixture folder. */
  path(rel: string): string;
}

/**
 * How a comparison is judged:
 * - `relmax`: max|a-b| / max|ref| (components; the fixtures' "1e-4 of the largest reference magnitude")
 * - `abs`: max|a-b| (images)
 * - `rel`: max over elements of |a-b| / max(|ref|, 1e-12) (sampler tables and traces)
 * - `exact`: every element equal (token ids, randn)
 */
export type ToleranceMode = 'relmax' | 'abs' | 'rel' | 'exact';

export interface ParityResult {
  readonly group: string;
  readonly key: string;
  readonly error: number;
  readonly tolerance: number;
  readonly mode: ToleranceMode;
  readonly pass: boolean;
  readonly note?: string;
}

export function compareArrays(got: ArrayLike<number | bigint>, ref: ArrayLike<number | bigint>, mode: ToleranceMode): number {
  if (got.length !== ref.length) return Infinity;
  let maxDiff = 0;
  let maxRef = 0;
  let maxRel = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = Number(got[i]);
    const b = Number(ref[i]);
    const d = Math.abs(a - b);
    if (Number.isNaN(d)) return Infinity;
    if (d > maxDiff) maxDiff = d;
    if (Math.abs(b) > maxRef) maxRef = Math.abs(b);
    const r = d / Math.max(Math.abs(b), 1e-12);
    if (r > maxRel) maxRel = r;
  }
  switch (mode) {
    case 'relmax': return maxRef === 0 ? maxDiff : maxDiff / maxRef;
    case 'abs': return maxDiff;
    case 'rel': return maxRel;
    case 'exact': return maxDiff;
  }
}

export class ParityReport {
  readonly results: ParityResult[] = [];
  constructor(private readonly log: (line: string) => void = () => {}) {}
  group = '';

  /** Compares `got` with `ref` and records the result. */
  compare(key: string, got: ArrayLike<number | bigint>, ref: ArrayLike<number | bigint>, mode: ToleranceMode, tolerance: number): ParityResult {
    const error = compareArrays(got, ref, mode);
    const lengthNote = got.length !== ref.length ? `length ${got.length}, reference ${ref.length}` : undefined;
    return this.record({ group: this.group, key, error, tolerance, mode, pass: mode === 'exact' ? error === 0 : error <= tolerance, note: lengthNote });
  }

  /** Records a check that fails with an exception (the message is kept as the note). */
  fail(key: string, err: unknown): ParityResult {
    return this.record({ group: this.group, key, error: Infinity, tolerance: 0, mode: 'exact', pass: false, note: (err as Error)?.message ?? String(err) });
  }

  private record(r: ParityResult): ParityResult {
    this.results.push(r);
    const err = Number.isFinite(r.error) ? r.error.toExponential(3) : String(r.error);
    this.log(`${r.pass ? 'ok  ' : 'FAIL'} ${r.group.padEnd(14)} ${r.key.padEnd(36)} ${r.mode.padEnd(6)} err ${err.padStart(10)}  tol ${r.tolerance.toExponential(1)}${r.note ? `  (${r.note})` : ''}`);
    return r;
  }

  get passed() { return this.results.filter((r) => r.pass).length; }
  get failed() { return this.results.filter((r) => !r.pass).length; }
}

/** One group of checks (`randn`, `samplers`, `dit`, ...), run against any fixture folder. */
export interface ParityGroup {
  readonly name: string;
  run(fx: Fixture, report: ParityReport): Promise<void>;
}
