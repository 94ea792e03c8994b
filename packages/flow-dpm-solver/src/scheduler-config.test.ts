import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, FormatError } from '@sana/core';
import { parseDiffusersJson } from './diffusers-json.js';
import {
  SANA_FLOW_DPM_SOLVER, SANA_SPRINT_SCM, flowDpmSolverConfigFromDiffusers, flowEulerConfigFromDiffusers, fromDiffusersConfig,
  scmConfigFromDiffusers,
} from './scheduler-config.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/reference/', import.meta.url));
const read = (rel: string) => parseDiffusersJson(readFileSync(fixtures + rel, 'utf8'), rel);
const sana = () => read('sana/scheduler/scheduler_config.json');

/** The ConfigError `fn` throws (fails the test if it throws something else or nothing). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseDiffusersJson', () => {
  it('reads Python NaN / Infinity / -Infinity outside strings only', () => {
    const j = parseDiffusersJson('{"a": -Infinity, "b": [Infinity, NaN], "c": "NaN -Infinity \\" Infinity", "d": 1}');
    expect(j.a).toBe(-Infinity);
    expect(j.b[0]).toBe(Infinity);
    expect(Number.isNaN(j.b[1])).toBe(true);
    expect(j.c).toBe('NaN -Infinity " Infinity');
    expect(j.d).toBe(1);
  });
  it('names the file on malformed JSON', () => {
    expect(() => parseDiffusersJson('{"a": }', 'x/scheduler_config.json')).toThrow(FormatError);
    expect(() => parseDiffusersJson('{"a": }', 'x/scheduler_config.json')).toThrow(/x\/scheduler_config.json/);
  });
});

describe('scheduler configs from diffusers', () => {
  it('reads the Sana checkpoint and full-size configs to the preset', () => {
    expect(flowDpmSolverConfigFromDiffusers(sana())).toEqual(SANA_FLOW_DPM_SOLVER);
    expect(fromDiffusersConfig(read('configs/scheduler.flow-dpm-solver.json'))).toEqual(SANA_FLOW_DPM_SOLVER);
    expect(fromDiffusersConfig(read('sana-sprint/scheduler/scheduler_config.json'))).toEqual(SANA_SPRINT_SCM);
  });
  it('rejects an unknown or unsupported algorithm_type, naming the field', () => {
    expect(configError(() => flowDpmSolverConfigFromDiffusers({ ...sana(), algorithm_type: 'magic' })).field).toBe('algorithm_type');
    const e = configError(() => flowDpmSolverConfigFromDiffusers({ ...sana(), algorithm_type: 'sde-dpmsolver++' }, 'sched.json'));
    expect(e.field).toBe('algorithm_type');
    expect(e.message).toMatch(/sched\.json.*algorithm_type.*not supported/);
    // diffusers' legacy aliases
    expect(flowDpmSolverConfigFromDiffusers({ ...sana(), algorithm_type: 'deis' }).algorithmType).toBe('dpmsolver++');
    expect(flowDpmSolverConfigFromDiffusers({ ...sana(), solver_type: 'bh2' }).solverType).toBe('midpoint');
  });
  it('rejects settings outside flow matching, naming each field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ prediction_type: 'epsilon' }, 'prediction_type'],
      [{ use_flow_sigmas: false }, 'use_flow_sigmas'],
      [{ use_karras_sigmas: true }, 'use_karras_sigmas'],
      [{ thresholding: true }, 'thresholding'],
      [{ final_sigmas_type: 'sigma_min' }, 'final_sigmas_type'],
      [{ solver_order: 4 }, 'solver_order'],
      [{ solver_type: 'rk4' }, 'solver_type'],
      [{ flow_shift: 0 }, 'flow_shift'],
      [{ flow_shift: -3 }, 'flow_shift'],
      [{ flow_shift: '3' }, 'flow_shift'],
      [{ lower_order_final: 'yes' }, 'lower_order_final'],
      [{ num_train_timesteps: 10.5 }, 'num_train_timesteps'],
      [{ variance_type: 'learned' }, 'variance_type'],
      [{ _class_name: 'EulerDiscreteScheduler' }, '_class_name'],
    ];
    for (const [patch, field] of cases) {
      expect(configError(() => flowDpmSolverConfigFromDiffusers({ ...sana(), ...patch })).field).toBe(field);
    }
  });
  it('reads orders 1-3 and both solver types', () => {
    expect(flowDpmSolverConfigFromDiffusers({ ...sana(), solver_order: 3, solver_type: 'heun' })).toMatchObject({ solverOrder: 3, solverType: 'heun' });
    expect(flowDpmSolverConfigFromDiffusers({}).flowShift).toBe(1);
  });
  it('reads Flow-Euler and SCM configs and rejects their unsupported fields', () => {
    expect(flowEulerConfigFromDiffusers({ shift: 3, shift_terminal: null })).toMatchObject({ shift: 3, shiftTerminal: null });
    expect(flowEulerConfigFromDiffusers({ shift_terminal: 0.1 }).shiftTerminal).toBe(0.1);
    expect(configError(() => flowEulerConfigFromDiffusers({ shift: 0 })).field).toBe('shift');
    expect(configError(() => flowEulerConfigFromDiffusers({ stochastic_sampling: true })).field).toBe('stochastic_sampling');
    expect(configError(() => flowEulerConfigFromDiffusers({ time_shift_type: 'cubic' })).field).toBe('time_shift_type');
    expect(configError(() => scmConfigFromDiffusers({ prediction_type: 'epsilon' })).field).toBe('prediction_type');
    expect(configError(() => scmConfigFromDiffusers({ sigma_data: 0 })).field).toBe('sigma_data');
    expect(configError(() => fromDiffusersConfig({ _class_name: 'DDIMScheduler' })).field).toBe('_class_name');
    expect(configError(() => fromDiffusersConfig([1, 2])).field).toBe('(root)');
  });
});
