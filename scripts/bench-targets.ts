// Every benchmark target. Component issues add theirs here (one import and one entry each).
import type { Device } from '@sana/core';
import { textEncoderBench } from '../packages/text-encoder/src/bench.js';
import { dcAeBench, dcAe4kBench } from '../packages/dc-ae/src/bench.js';
import { ditBench, dit1600mBench } from '../packages/linear-dit/src/bench.js';
import { samplersBench } from '../packages/flow-dpm-solver/src/bench.js';
import { quantDitBench, int8FormsBench } from '../packages/quant-int8/src/bench.js';
import { shapesSamplersBench } from './shapes-bench.js';

export interface BenchContext {
  readonly quant: boolean;
  readonly device: Device;
  readonly threads?: number;
  /** Smaller sizes only (for checking that a target runs). */
  readonly quick: boolean;
}

export interface BenchTarget {
  readonly name: string;
  readonly description: string;
  /** false: only with --only. */
  readonly default?: boolean;
  /** true: only with --quant (or --only). */
  readonly quant?: boolean;
  run(ctx: BenchContext): Promise<Record<string, unknown>>;
}

export const benchTargets: BenchTarget[] = [dcAeBench, dcAe4kBench, ditBench, dit1600mBench, samplersBench, textEncoderBench, int8FormsBench, quantDitBench, shapesSamplersBench];
