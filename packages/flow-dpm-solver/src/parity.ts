// Parity group `samplers`: schedule tables and 7-step traces against the reference schedulers (Node only: reads configs with fs).
//
// Everything comes from the fixture: `reference.json` `schedulers.flow_dpm` / `schedulers.flow_euler` (tables per
// shift and step count), `trace.<sampler>.*` tensors (the step count is the number of model outputs), the Sana
// checkpoint's `sana/scheduler/scheduler_config.json` (the traces' settings: flow_dpm as is, flow_dpm_o3 with
// solver_order 3, flow_euler with its flow_shift) and `sana-sprint/scheduler` + `reference.json` `sprint` for SCM.
import { readFile } from 'node:fs/promises';
import type { Fixture, ParityGroup, ParityReport } from '@sana/core';
import { parseDiffusersJson } from './diffusers-json.js';
import { createFlowDpmState, dpmSolverStep, type FlowDpmState } from './flow-dpm-solver.js';
import { createFlowEulerState, flowEulerSchedule, flowEulerStep, type FlowEulerState } from './flow-euler.js';
import { flowDpmSchedule } from './flow-sigmas.js';
import { flowDpmSolverConfigFromDiffusers, flowEulerConfigFromDiffusers, scmConfigFromDiffusers, type FlowDpmSolverConfig } from './scheduler-config.js';
import { scmTimesteps } from './scm.js';

/** Sampler tables and traces: 1e-6 relative per element (fixtures/README.reference.md). */
const TOL = 1e-6;

interface TableRow { shift: number; steps: number; timesteps: number[]; sigmas: number[] }

async function readJson(fx: Fixture, rel: string): Promise<unknown> {
  return parseDiffusersJson(await readFile(fx.path(rel), 'utf8'), fx.path(rel));
}

/** A stepper for one trace name, built from the checkpoint's scheduler config. */
type Stepper = (modelOutput: Float32Array, sample: Float32Array) => Float32Array;

function traceStepper(name: string, dpm: FlowDpmSolverConfig, steps: number, numTrain: number): Stepper | undefined {
  if (name === 'flow_dpm' || name === 'flow_dpm_o3') {
    let state: FlowDpmState = createFlowDpmState(name === 'flow_dpm' ? dpm : { ...dpm, solverOrder: 3 }, steps);
    return (m, x) => ({ sample: x, state } = dpmSolverStep(state, m, x)).sample;
  }
  if (name === 'flow_euler') {
    const cfg = flowEulerConfigFromDiffusers({ shift: dpm.flowShift, num_train_timesteps: numTrain });
    let state: FlowEulerState = createFlowEulerState(cfg, steps);
    return (m, x) => ({ sample: x, state } = flowEulerStep(state, m, x)).sample;
  }
  return undefined;
}

async function checkTraces(fx: Fixture, report: ParityReport, dpm: FlowDpmSolverConfig): Promise<void> {
  const keys = fx.tensors.keys();
  const names = [...new Set(keys.filter((k) => /^trace\.[^.]+\.sample0$/.test(k)).map((k) => k.split('.')[1]))].sort();
  if (names.length === 0) report.fail('trace.* (none in the fixture)', new Error('no trace.<sampler>.sample0 tensors'));
  for (const name of names) {
    const prefix = `trace.${name}`;
    const steps = keys.filter((k) => k.startsWith(`${prefix}.model_output.`)).length;
    const step = traceStepper(name, dpm, steps, dpm.numTrainTimesteps);
    if (!step) {
      report.fail(`${prefix} (unknown sampler)`, new Error(`no sampler is known for trace "${name}"`));
      continue;
    }
    // chained: each step starts from our previous sample, so errors would compound as in a real run
    let x = await fx.tensors.getFloat32(`${prefix}.sample0`);
    for (let i = 0; i < steps; i++) {
      x = step(await fx.tensors.getFloat32(`${prefix}.model_output.${i}`), x);
      report.compare(`${prefix}.sample.${i + 1}`, x, await fx.tensors.getFloat32(`${prefix}.sample.${i + 1}`), 'rel', TOL);
    }
  }
}

export const samplersParity: ParityGroup = {
  name: 'samplers',
  async run(fx, report) {
    const dpmFile = 'sana/scheduler/scheduler_config.json';
    const dpm = flowDpmSolverConfigFromDiffusers(await readJson(fx, dpmFile), dpmFile);
    const tables = fx.json.schedulers as { flow_dpm?: TableRow[]; flow_euler?: TableRow[] };

    for (const row of tables.flow_dpm ?? []) {
      const { timesteps, sigmas } = flowDpmSchedule(row.steps, row.shift, dpm.numTrainTimesteps);
      const tag = `flow_dpm s${row.shift} n${row.steps}`;
      report.compare(`${tag} timesteps`, timesteps, row.timesteps, 'rel', TOL);
      report.compare(`${tag} sigmas`, sigmas, row.sigmas, 'rel', TOL);
    }
    for (const row of tables.flow_euler ?? []) {
      const cfg = flowEulerConfigFromDiffusers({ shift: row.shift, num_train_timesteps: dpm.numTrainTimesteps });
      const { timesteps, sigmas } = flowEulerSchedule(cfg, row.steps);
      const tag = `flow_euler s${row.shift} n${row.steps}`;
      report.compare(`${tag} timesteps`, timesteps, row.timesteps, 'rel', TOL);
      report.compare(`${tag} sigmas`, sigmas, row.sigmas, 'rel', TOL);
    }

    await checkTraces(fx, report, dpm);

    // SCM: the fixture has no SCM table; check that the Sprint scheduler config reads and that the
    // schedule for the Sprint run's arguments is [max, intermediate, 0] as SCMScheduler builds it.
    const sprint = fx.json.sprint as { steps: number; max_timesteps: number; intermediate_timesteps: number | null } | undefined;
    if (sprint) {
      const scmFile = 'sana-sprint/scheduler/scheduler_config.json';
      const scm = scmConfigFromDiffusers(await readJson(fx, scmFile), scmFile);
      const got = scmTimesteps(sprint.steps, { maxTimesteps: sprint.max_timesteps, intermediateTimesteps: sprint.intermediate_timesteps }, scm.numTrainTimesteps);
      const ref = sprint.intermediate_timesteps === null ? [] : Float32Array.from([sprint.max_timesteps, sprint.intermediate_timesteps, 0]);
      if (ref.length) report.compare(`scm n${sprint.steps} timesteps (sprint args)`, got, ref, 'rel', TOL);
    }
  },
};
