// @sana/flow-dpm-solver: Sana's samplers (Flow-DPM-Solver, Flow-Euler, SCM) as pure functions over Float32Array.
export * from './scheduler-config.js';
export { flowSigmas, flowDpmSchedule, shiftSigma, calculateShift, type FlowSchedule } from './flow-sigmas.js';
export * from './flow-dpm-solver.js';
export * from './flow-euler.js';
export * from './scm.js';
export * from './trigflow.js';
export * from './cfg.js';
export * from './sampler.js';
export { parseDiffusersJson } from './diffusers-json.js';
export * from './step-coefficients.js';
