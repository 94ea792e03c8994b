// Benchmark target `samplers`: CPU time of one sampler step (and CFG) on Sana latents at 1024px and 4K.
import { randn } from '@sana/core';
import { cfgCombineBatched } from './cfg.js';
import { createFlowDpmState, dpmSolverStep } from './flow-dpm-solver.js';
import { createFlowEulerState, flowEulerStep } from './flow-euler.js';
import { createScmState, scmStep } from './scm.js';
import { SANA_FLOW_DPM_SOLVER, SANA_FLOW_EULER, SANA_SPRINT_SCM } from './scheduler-config.js';

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** Median milliseconds of `runs` calls after `warmup` untimed ones. */
function median(fn: () => unknown, runs: number, warmup = 10): number {
  for (let i = 0; i < warmup; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return round(ms.sort((a, b) => a - b)[Math.floor(runs / 2)]);
}

function atSize(side: number, runs: number) {
  const n = 32 * (side / 32) ** 2; // [1, 32, side/32, side/32] latents
  const x = randn([n], 1);
  const v = randn([n], 2);
  const both = randn([2 * n], 3);
  // a DPM state in the middle of 20 steps, so the step is second order (the common case)
  let dpm = createFlowDpmState(SANA_FLOW_DPM_SOLVER, 20);
  for (let i = 0; i < 5; i++) dpm = dpmSolverStep(dpm, v, x).state;
  let dpm3 = createFlowDpmState({ ...SANA_FLOW_DPM_SOLVER, solverOrder: 3 }, 20);
  for (let i = 0; i < 5; i++) dpm3 = dpmSolverStep(dpm3, v, x).state;
  const euler = createFlowEulerState(SANA_FLOW_EULER, 20);
  const scm = createScmState(SANA_SPRINT_SCM, 2);
  return {
    elements: n,
    dpm2_step_ms: median(() => dpmSolverStep(dpm, v, x), runs),
    dpm3_step_ms: median(() => dpmSolverStep(dpm3, v, x), runs),
    euler_step_ms: median(() => flowEulerStep(euler, v, x), runs),
    scm_step_ms: median(() => scmStep(scm, v, x, x), runs),
    cfg_ms: median(() => cfgCombineBatched(both, 4.5), runs),
  };
}

export const samplersBench = {
  name: 'samplers',
  description: 'Flow-DPM-Solver / Flow-Euler / SCM step and CFG time on 1024px and 4K latents (pure JS, one thread)',
  async run(ctx: { readonly quick: boolean }) {
    return { px1024: atSize(1024, ctx.quick ? 5 : 51), ...(ctx.quick ? {} : { px4096: atSize(4096, 21) }) };
  },
};
