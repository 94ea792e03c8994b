// A small stateful convenience wrapper over the pure samplers (Flow-DPM-Solver, Flow-Euler, SCM).
import { ArgumentError } from '@sana/core';
import { createFlowDpmState, dpmSolverStep, type FlowDpmState } from './flow-dpm-solver.js';
import { createFlowEulerState, flowEulerStep, type FlowEulerState } from './flow-euler.js';
import { createScmState, scmStep, type ScmScheduleOptions, type ScmState } from './scm.js';
import type { SchedulerConfig } from './scheduler-config.js';

export interface SamplerOptions extends ScmScheduleOptions {
  /** Dynamic shifting exponent (Flow-DPM-Solver and Flow-Euler with `useDynamicShifting`). */
  readonly mu?: number;
  /** Flow-DPM-Solver only: start at this step (image-to-image). */
  readonly beginIndex?: number;
}

/** A sampler that keeps its own state; one instance per generation. */
export interface Sampler {
  readonly config: SchedulerConfig;
  readonly steps: number;
  /**
   * The timesteps of the loop, one per step, noisiest first: integer model timesteps (Flow-DPM-Solver),
   * float32 model timesteps (Flow-Euler), TrigFlow times t (SCM; the transformer gets `scmModelInput(...).timestep`).
   */
  readonly timesteps: Float64Array;
  /** The step the next `step` call performs. */
  readonly stepIndex: number;
  readonly done: boolean;
  /** The last data prediction (Flow-DPM-Solver and SCM), for previews; undefined before the first step and for Euler. */
  readonly denoised: Float32Array | undefined;
  /** Advances one step and returns the new sample. `noise` is standard normal, for SCM only. */
  step(modelOutput: Float32Array, sample: Float32Array, noise?: Float32Array): Float32Array;
}

type AnyState =
  | { kind: 'flow-dpm-solver'; s: FlowDpmState }
  | { kind: 'flow-euler'; s: FlowEulerState }
  | { kind: 'scm'; s: ScmState };

class StatefulSampler implements Sampler {
  readonly timesteps: Float64Array;
  readonly steps: number;
  denoised: Float32Array | undefined = undefined;
  constructor(readonly config: SchedulerConfig, private state: AnyState) {
    this.timesteps = state.kind === 'scm' ? Float64Array.from(state.s.timesteps.subarray(0, -1)) : state.s.timesteps;
    this.steps = this.timesteps.length;
  }
  get stepIndex(): number { return this.state.s.stepIndex; }
  get done(): boolean { return this.stepIndex >= this.steps; }

  step(modelOutput: Float32Array, sample: Float32Array, noise?: Float32Array): Float32Array {
    const st = this.state;
    if (st.kind !== 'scm' && noise !== undefined) throw new ArgumentError('noise', `is only used by the SCM sampler, not ${st.kind}`);
    switch (st.kind) {
      case 'flow-dpm-solver': {
        const r = dpmSolverStep(st.s, modelOutput, sample);
        this.state = { kind: st.kind, s: r.state };
        this.denoised = r.denoised;
        return r.sample;
      }
      case 'flow-euler': {
        const r = flowEulerStep(st.s, modelOutput, sample);
        this.state = { kind: st.kind, s: r.state };
        return r.sample;
      }
      case 'scm': {
        const r = scmStep(st.s, modelOutput, sample, noise);
        this.state = { kind: st.kind, s: r.state };
        this.denoised = r.denoised;
        return r.sample;
      }
    }
  }
}

/**
 * A stateful sampler for any supported scheduler config.
 * @example
 * const sampler = createSampler(fromDiffusersConfig(json), 20);
 * for (const t of sampler.timesteps) x = sampler.step(await velocity(x, t), x);
 */
export function createSampler(config: SchedulerConfig, steps: number, options: SamplerOptions = {}): Sampler {
  switch (config.kind) {
    case 'flow-dpm-solver':
      return new StatefulSampler(config, { kind: config.kind, s: createFlowDpmState(config, steps, options) });
    case 'flow-euler':
      return new StatefulSampler(config, { kind: config.kind, s: createFlowEulerState(config, steps, options) });
    case 'scm':
      return new StatefulSampler(config, { kind: config.kind, s: createScmState(config, steps, options) });
    default:
      throw new ArgumentError('config', `has unknown kind ${JSON.stringify((config as { kind?: unknown }).kind)}`);
  }
}
