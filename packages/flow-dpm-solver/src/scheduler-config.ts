// Sampler configs: typed readonly objects, official presets, and strict readers of diffusers' scheduler_config.json.
import { ConfigError } from '@sana/core';

/** Flow-DPM-Solver: diffusers `DPMSolverMultistepScheduler` with `use_flow_sigmas` and `flow_prediction`. */
export interface FlowDpmSolverConfig {
  readonly kind: 'flow-dpm-solver';
  readonly numTrainTimesteps: number;
  /** Multistep order: 1 (DDIM-like), 2 (Sana's default) or 3. */
  readonly solverOrder: 1 | 2 | 3;
  /** Second-order update rule (DPM-Solver++ 2M midpoint or Heun). */
  readonly solverType: 'midpoint' | 'heun';
  /** Drop to lower orders on the last steps when there are fewer than 15. */
  readonly lowerOrderFinal: boolean;
  /** Always take a first-order final step. */
  readonly eulerAtFinal: boolean;
  /** Only `zero` exists for flow sigmas here: the last step lands on sigma 0 (the data prediction). */
  readonly finalSigmasType: 'zero';
  readonly algorithmType: 'dpmsolver++';
  /** The resolution-dependent shift of the flow sigmas. */
  readonly flowShift: number;
  /** When true, `mu` may be passed at schedule time and the shift becomes `exp(mu)`. */
  readonly useDynamicShifting: boolean;
}

/** Flow-Euler: diffusers `FlowMatchEulerDiscreteScheduler`. */
export interface FlowEulerConfig {
  readonly kind: 'flow-euler';
  readonly numTrainTimesteps: number;
  readonly shift: number;
  readonly useDynamicShifting: boolean;
  readonly baseShift: number;
  readonly maxShift: number;
  readonly baseImageSeqLen: number;
  readonly maxImageSeqLen: number;
  /** The schedule is stretched so that its last sigma equals this (null: off). */
  readonly shiftTerminal: number | null;
  readonly timeShiftType: 'exponential' | 'linear';
}

/** SCM (Sana-Sprint): diffusers `SCMScheduler`, TrigFlow parameterisation. */
export interface ScmConfig {
  readonly kind: 'scm';
  readonly numTrainTimesteps: number;
  readonly predictionType: 'trigflow';
  /** Standard deviation of the data the TrigFlow model was trained on. */
  readonly sigmaData: number;
}

export type SchedulerConfig = FlowDpmSolverConfig | FlowEulerConfig | ScmConfig;

/** Sana 600M/1600M 1024px (`Efficient-Large-Model/Sana_*_1024px_diffusers`): DPM-Solver++ 2M, flow shift 3.0. */
export const SANA_FLOW_DPM_SOLVER: FlowDpmSolverConfig = Object.freeze({
  kind: 'flow-dpm-solver',
  numTrainTimesteps: 1000,
  solverOrder: 2,
  solverType: 'midpoint',
  lowerOrderFinal: true,
  eulerAtFinal: false,
  finalSigmasType: 'zero',
  algorithmType: 'dpmsolver++',
  flowShift: 3.0,
  useDynamicShifting: false,
});

/** Sana-Sprint 600M/1600M: SCM with sigma_data 0.5. */
export const SANA_SPRINT_SCM: ScmConfig = Object.freeze({
  kind: 'scm',
  numTrainTimesteps: 1000,
  predictionType: 'trigflow',
  sigmaData: 0.5,
});

/** Flow-Euler with the same shift as Sana's solver (diffusers' defaults otherwise). */
export const SANA_FLOW_EULER: FlowEulerConfig = Object.freeze({
  kind: 'flow-euler',
  numTrainTimesteps: 1000,
  shift: 3.0,
  useDynamicShifting: false,
  baseShift: 0.5,
  maxShift: 1.15,
  baseImageSeqLen: 256,
  maxImageSeqLen: 4096,
  shiftTerminal: null,
  timeShiftType: 'exponential',
});

// ---------------------------------------------------------------------------------------------
// Field readers: each names the field (and file) it rejects.

type Json = Record<string, unknown>;

class Reader {
  constructor(private readonly json: Json, private readonly file?: string) {}
  private has(field: string): boolean { return this.json[field] !== undefined; }
  fail(field: string, message: string): never { throw new ConfigError(field, message, this.file); }

  number(field: string, dflt: number, check?: (v: number) => string | undefined): number {
    if (!this.has(field)) return dflt;
    const v = this.json[field];
    if (typeof v !== 'number' || Number.isNaN(v)) this.fail(field, `must be a number, got ${JSON.stringify(v)}`);
    const why = check?.(v);
    if (why) this.fail(field, `${why}, got ${v}`);
    return v;
  }
  positiveInt(field: string, dflt: number): number {
    return this.number(field, dflt, (v) => (Number.isInteger(v) && v > 0 ? undefined : 'must be a positive integer'));
  }
  positive(field: string, dflt: number): number {
    return this.number(field, dflt, (v) => (Number.isFinite(v) && v > 0 ? undefined : 'must be a finite number > 0'));
  }
  bool(field: string, dflt: boolean): boolean {
    if (!this.has(field)) return dflt;
    const v = this.json[field];
    if (typeof v !== 'boolean') this.fail(field, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }
  /** A boolean setting we do not implement: only `supported` is accepted. */
  flag(field: string, supported: boolean, why: string): void {
    if (this.bool(field, supported) !== supported) this.fail(field, `= ${!supported} is not supported (${why})`);
  }
  string<T extends string>(field: string, dflt: T, known: readonly string[], supported: readonly T[] = known as T[]): T {
    if (!this.has(field)) return dflt;
    const v = this.json[field];
    if (typeof v !== 'string') this.fail(field, `must be a string, got ${JSON.stringify(v)}`);
    if (!known.includes(v)) this.fail(field, `has unknown value "${v}"; known: ${known.join(', ')}`);
    if (!(supported as readonly string[]).includes(v)) this.fail(field, `= "${v}" is not supported; supported: ${supported.join(', ')}`);
    return v as T;
  }
  nullish(field: string, why: string): void {
    if (this.json[field] !== undefined && this.json[field] !== null) this.fail(field, `must be null (${why}), got ${JSON.stringify(this.json[field])}`);
  }
  className(expected: string): void {
    const v = this.json._class_name;
    if (v !== undefined && v !== expected) this.fail('_class_name', `must be "${expected}", got ${JSON.stringify(v)}`);
  }
}

function asObject(json: unknown, file?: string): Json {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ConfigError('(root)', 'must be a JSON object', file);
  return json as Json;
}

/**
 * Reads a `DPMSolverMultistepScheduler` scheduler_config.json; anything but the flow-matching DPM-Solver++
 * Sana uses is rejected with a `ConfigError` naming the field. Settings without effect under flow sigmas
 * (the beta schedule, `timestep_spacing`, `lambda_min_clipped`, `steps_offset`) are read for type only.
 * @example const cfg = flowDpmSolverConfigFromDiffusers(JSON.parse(text), 'scheduler/scheduler_config.json');
 */
export function flowDpmSolverConfigFromDiffusers(json: unknown, file?: string): FlowDpmSolverConfig {
  const r = new Reader(asObject(json, file), file);
  r.className('DPMSolverMultistepScheduler');
  const order = r.number('solver_order', 2, (v) => (v === 1 || v === 2 || v === 3 ? undefined : 'must be 1, 2 or 3'));
  // diffusers maps these legacy names to the ones it implements; so do we
  const algorithm = r.string('algorithm_type', 'dpmsolver++', ['dpmsolver++', 'deis', 'dpmsolver', 'sde-dpmsolver', 'sde-dpmsolver++'], ['dpmsolver++', 'deis']);
  const solverType = r.string<'midpoint' | 'heun' | 'logrho' | 'bh1' | 'bh2'>('solver_type', 'midpoint', ['midpoint', 'heun', 'logrho', 'bh1', 'bh2']);
  r.string('prediction_type', 'flow_prediction', ['epsilon', 'sample', 'v_prediction', 'flow_prediction'], ['flow_prediction']);
  r.flag('use_flow_sigmas', true, 'this package implements the flow-matching schedule only');
  for (const f of ['use_karras_sigmas', 'use_exponential_sigmas', 'use_beta_sigmas', 'use_lu_lambdas']) r.flag(f, false, 'flow sigmas are used');
  r.flag('thresholding', false, 'dynamic thresholding is not implemented');
  r.nullish('variance_type', 'flow models predict no variance');
  r.string('final_sigmas_type', 'zero', ['zero', 'sigma_min'], ['zero']);
  r.string('time_shift_type', 'exponential', ['exponential'], ['exponential']);
  r.string('timestep_spacing', 'linspace', ['linspace', 'leading', 'trailing']);
  r.string('beta_schedule', 'linear', ['linear', 'scaled_linear', 'squaredcos_cap_v2']);
  for (const f of ['beta_start', 'beta_end', 'steps_offset', 'dynamic_thresholding_ratio', 'sample_max_value']) r.number(f, 0);
  r.number('lambda_min_clipped', -Infinity);
  return Object.freeze({
    kind: 'flow-dpm-solver',
    numTrainTimesteps: r.positiveInt('num_train_timesteps', 1000),
    solverOrder: order as 1 | 2 | 3,
    solverType: solverType === 'heun' ? 'heun' : 'midpoint',
    lowerOrderFinal: r.bool('lower_order_final', true),
    eulerAtFinal: r.bool('euler_at_final', false),
    finalSigmasType: 'zero',
    algorithmType: algorithm === 'deis' ? 'dpmsolver++' : algorithm,
    flowShift: r.positive('flow_shift', 1.0),
    useDynamicShifting: r.bool('use_dynamic_shifting', false),
  } satisfies FlowDpmSolverConfig);
}

/**
 * Reads a `FlowMatchEulerDiscreteScheduler` scheduler_config.json (Karras/exponential/beta sigmas, inverted
 * sigmas and stochastic sampling are rejected with a `ConfigError`).
 * @example const cfg = flowEulerConfigFromDiffusers({ shift: 3.0 });
 */
export function flowEulerConfigFromDiffusers(json: unknown, file?: string): FlowEulerConfig {
  const obj = asObject(json, file);
  const r = new Reader(obj, file);
  r.className('FlowMatchEulerDiscreteScheduler');
  for (const f of ['use_karras_sigmas', 'use_exponential_sigmas', 'use_beta_sigmas']) r.flag(f, false, 'only the shifted linear schedule is implemented');
  r.flag('invert_sigmas', false, 'not used by flow-matching image models');
  r.flag('stochastic_sampling', false, 'not implemented');
  const terminal = obj.shift_terminal;
  return Object.freeze({
    kind: 'flow-euler',
    numTrainTimesteps: r.positiveInt('num_train_timesteps', 1000),
    shift: r.positive('shift', 1.0),
    useDynamicShifting: r.bool('use_dynamic_shifting', false),
    baseShift: r.number('base_shift', 0.5),
    maxShift: r.number('max_shift', 1.15),
    baseImageSeqLen: r.positiveInt('base_image_seq_len', 256),
    maxImageSeqLen: r.positiveInt('max_image_seq_len', 4096),
    // diffusers tests `if shift_terminal:`, so 0 and null both mean off
    shiftTerminal: terminal === null || terminal === undefined || terminal === 0
      ? null
      : r.number('shift_terminal', 0, (v) => (v < 1 ? undefined : 'must be < 1')),
    timeShiftType: r.string('time_shift_type', 'exponential', ['exponential', 'linear']),
  } satisfies FlowEulerConfig);
}

/**
 * Reads an `SCMScheduler` scheduler_config.json (Sana-Sprint).
 * @example const cfg = scmConfigFromDiffusers({ _class_name: 'SCMScheduler', sigma_data: 0.5 });
 */
export function scmConfigFromDiffusers(json: unknown, file?: string): ScmConfig {
  const r = new Reader(asObject(json, file), file);
  r.className('SCMScheduler');
  return Object.freeze({
    kind: 'scm',
    numTrainTimesteps: r.positiveInt('num_train_timesteps', 1000),
    predictionType: r.string('prediction_type', 'trigflow', ['trigflow']),
    sigmaData: r.positive('sigma_data', 0.5),
  } satisfies ScmConfig);
}

const READERS: Readonly<Record<string, (json: unknown, file?: string) => SchedulerConfig>> = {
  DPMSolverMultistepScheduler: flowDpmSolverConfigFromDiffusers,
  FlowMatchEulerDiscreteScheduler: flowEulerConfigFromDiffusers,
  SCMScheduler: scmConfigFromDiffusers,
};

/**
 * Reads any supported scheduler_config.json, dispatching on `_class_name`.
 * @example const cfg = fromDiffusersConfig(JSON.parse(await readFile(dir + '/scheduler/scheduler_config.json', 'utf8')));
 */
export function fromDiffusersConfig(json: unknown, file?: string): SchedulerConfig {
  const cls = asObject(json, file)._class_name;
  const reader = typeof cls === 'string' ? READERS[cls] : undefined;
  if (!reader) {
    throw new ConfigError('_class_name', `must be one of ${Object.keys(READERS).join(', ')}, got ${JSON.stringify(cls)}`, file);
  }
  return reader(json, file);
}
