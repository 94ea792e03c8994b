// Helpers shared by benchmark targets: timing with warm-up and median, peak memory.
import { readFileSync } from 'node:fs';
export interface Timing { median_ms: number; min_ms: number; runs: number }

/** Runs `fn` `warmup` times untimed, then `runs` times; returns the median and minimum. */
export async function timeIt(fn: () => Promise<unknown>, runs = 3, warmup = 1): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median_ms: round(ms[Math.floor(ms.length / 2)]), min_ms: round(ms[0]), runs };
}

/** Peak resident set size of this process so far, in MiB (Linux: VmHWM; the native ORT heap included). */
export function peakRssMiB(): number {
  try {

    const status = readFileSync('/proc/self/status', 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch { /* not Linux */ }
  return Math.round(process.memoryUsage().rss / 1048576);
}

export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
