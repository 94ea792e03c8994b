// Helpers shared by benchmark targets: they live in @sana/core (bench-util.ts, Node entry) so packages use them too.
export { timeIt, timeInterleaved, timed, median, peakRssMiB, rssMiB, resetPeakRss, type Timing } from '@sana/core';

export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
