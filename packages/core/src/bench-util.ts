// Node: helpers shared by the benchmark targets of every package: timing (warm-up, median) and peak memory.
import { readFileSync, writeFileSync } from 'node:fs';

export interface Timing { median_ms: number; min_ms: number; runs: number }

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * The median of `values` (the upper one of an even count); NaN for none.
 * @example median([3, 1, 2]) // 2
 */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
}

/**
 * Runs `fn` `warmup` times untimed, then `runs` times; returns the median and minimum in ms (0.1 ms steps).
 * @example const { median_ms } = await timeIt(() => session.run(feeds), 3, 1);
 */
export async function timeIt(fn: () => Promise<unknown>, runs = 3, warmup = 1): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return { median_ms: round1(median(ms)), min_ms: round1(Math.min(...ms)), runs };
}

/**
 * Times functions against each other in one process: `runs` rounds, each calling every function once, the order
 * reversed every other round so none always runs right after the same neighbour (and load from other processes
 * falls on all alike). Warm up before. Returns each function's raw times in ms.
 * @example const [fp32, int8] = (await timeInterleaved([() => a.run(x), () => b.run(x)], 7)).map(median);
 */
export async function timeInterleaved(fns: readonly (() => Promise<unknown>)[], runs: number): Promise<number[][]> {
  const ms: number[][] = fns.map(() => []);
  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? fns.map((_, i) => i) : fns.map((_, i) => fns.length - 1 - i);
    for (const i of order) {
      const t0 = performance.now();
      await fns[i]();
      ms[i].push(performance.now() - t0);
    }
  }
  return ms;
}

/**
 * One timed call: its result and its wall time in ms (0.1 ms steps).
 * @example const [session, ms] = await timed(() => backend.createSession(path));
 */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, round1(performance.now() - t0)];
}

/** A field of /proc/self/status in MiB (Linux); elsewhere the current RSS from Node. */
function statusMiB(field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch { /* not Linux */ }
  return Math.round(process.memoryUsage().rss / 1048576);
}

/**
 * Peak resident set size of this process so far (since the last `resetPeakRss`), in MiB: Linux VmHWM, so the
 * native ORT heap is included; elsewhere the current RSS.
 * @example resetPeakRss(); await run(); const peak = peakRssMiB();
 */
export function peakRssMiB(): number {
  return statusMiB('VmHWM');
}

/** Current resident set size in MiB (Linux VmRSS; elsewhere Node's `rss`). */
export function rssMiB(): number {
  return statusMiB('VmRSS');
}

/**
 * Starts a new peak-RSS window: the kernel lowers VmHWM to the current RSS (Linux `clear_refs` 5), so each
 * phase is measured alone. False where unsupported.
 */
export function resetPeakRss(): boolean {
  try { writeFileSync('/proc/self/clear_refs', '5'); return true; } catch { return false; }
}
