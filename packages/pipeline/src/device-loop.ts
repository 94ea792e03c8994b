// The device-resident denoising loop: latents, text states and the solver history stay in device memory between
// steps; the transformer's output feeds the sampler-step graph (denoise-step-graph.ts) without a host round trip.
//
// Per step only small host tensors travel: the timestep, the step's coefficients and (SCM) that step's noise.
// The latents come back to the host only when an `onStep` callback is given, and once at the end.
import {
  ArgumentError, float16ToFloat32, float32ToFloat16, serializeModel, tensor,
  type Backend, type FloatType, type Session, type Tensor,
} from '@sana/core';
import type { LinearStep } from '@sana/flow-dpm-solver';
import type { SanaTransformer } from '@sana/linear-dit';
import { NUM_COEFFS, STEP_IO, buildStepGraph, stepCoefficients, type StepGraphShape } from './denoise-step-graph.js';
import { afterStep, throwIfAborted, type GenerateOptions } from './generate-options.js';

/**
 * Where the denoising loop runs: 'auto' keeps latents on the device when the backend can (`backend.deviceResident`:
 * WebGPU), 'on' always runs the sampler-step graph (on CPU too: for testing), 'off' steps on the host in TypeScript.
 */
export type DeviceLoop = 'auto' | 'on' | 'off';
export const DEVICE_LOOPS: readonly DeviceLoop[] = ['auto', 'on', 'off'];

/** Whether the device loop runs for this option and backend; checks the option. */
export function useDeviceLoop(option: DeviceLoop | undefined, backend: Backend | undefined): boolean {
  const o = option ?? 'auto';
  if (!DEVICE_LOOPS.includes(o)) throw new ArgumentError('deviceLoop', `is ${JSON.stringify(o)}; expected one of ${DEVICE_LOOPS.join(', ')}`);
  if (o === 'off') return false;
  if (o === 'on' && !backend) throw new ArgumentError('deviceLoop', 'is "on" but the components have no backend (load them with loadComponents, or set components.backend)');
  return o === 'on' || backend?.deviceResident === true;
}

/** Step-graph sessions of one pipeline, one per latent shape, made on first use. */
export class StepSessions {
  private readonly sessions = new Map<string, Promise<Session>>();
  get(backend: Backend, shape: StepGraphShape): Promise<Session> {
    const key = JSON.stringify(shape);
    let s = this.sessions.get(key);
    if (!s) {
      // Outputs stay on the device where the backend keeps them; on CPU this option is not passed at all.
      s = backend.createSession(serializeModel(buildStepGraph(shape)).model, {
        label: 'denoise step', ...(backend.deviceResident ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
      });
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }
  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map(async (s) => (await s).release()));
  }
}

export interface DeviceLoopRun {
  readonly backend: Backend;
  readonly sessions: StepSessions;
  readonly transformer: SanaTransformer;
  readonly shape: StepGraphShape;
  /** One per step, in order. */
  readonly steps: readonly LinearStep[];
  /** Sampler timesteps, for `StepInfo.timestep`. */
  readonly timesteps: ArrayLike<number>;
  /** The transformer's `timestep` feed of step i ([rows] float32, host). */
  readonly timestep: (i: number) => Tensor;
  /** Sana-Sprint's guidance feed (host). */
  readonly guidance?: Tensor;
  /** CFG scale (unused without CFG). */
  readonly guidanceScale: number;
  /** The factor from latents to the transformer input of step i (1 for Sana). */
  readonly inputScale: (i: number) => number;
  /** The transformer input of step i for host latents (initial latents, or what `onStep` returned). */
  readonly hostInput: (latents: Float32Array, i: number) => Tensor;
  readonly embeds: Tensor;
  readonly mask: Tensor;
  /** Initial latents [B, C, h, w]. */
  readonly latents: Float32Array;
  /** SCM: step i's standard normal noise, drawn on the host; undefined where the step needs none. */
  readonly noise?: (i: number) => Float32Array | undefined;
  readonly options: GenerateOptions;
  /** Which result to read back at the end: the last sample (Sana) or the last data prediction (Sprint). */
  readonly result: 'sample' | 'denoised';
}

/** A host tensor as `dtype` (float32 / float16), converted on the host when it is not. */
async function hostAs(t: Tensor, dtype: FloatType, name: string): Promise<Tensor> {
  if (t.dtype === dtype) return t;
  const d = await t.read();
  let f: Float32Array;
  if (t.dtype === 'float16') f = float16ToFloat32(d as Uint16Array);
  else if (t.dtype === 'float32') f = d as Float32Array;
  else if (dtype === 'float32') f = Float32Array.from(d as ArrayLike<number | bigint>, Number);
  else throw new ArgumentError(name, `has dtype ${t.dtype}; expected float32 or float16`);
  return dtype === 'float16' ? tensor('float16', float32ToFloat16(f), t.dims) : tensor('float32', f, t.dims);
}

/**
 * Runs the denoising loop with the state on the device. Returns the host latents named by `run.result`.
 * Every device tensor it made is disposed before it returns (or throws).
 * @example const latents = await runDeviceLoop({ backend, sessions, transformer, shape, steps, ... });
 */
export async function runDeviceLoop(run: DeviceLoopRun): Promise<Float32Array> {
  const { backend, shape, options: o } = run;
  const owned = new Set<Tensor>(); // device tensors this loop made and must free
  const up = async (t: Tensor): Promise<Tensor> => {
    if (!backend.toDevice || t.location !== 'cpu') return t;
    const d = await backend.toDevice(t);
    owned.add(d);
    return d;
  };
  const free = (t: Tensor | undefined) => {
    if (t && owned.delete(t)) t.dispose();
  };
  const keep = (t: Tensor): Tensor => { owned.add(t); return t; };
  try {
    const session = await run.sessions.get(backend, shape);
    // Text states: once per generate(), in the dtypes the transformer takes (converted on the host first).
    const embeds = await up(await hostAs(run.embeds, shape.floatType, 'encoderHiddenStates'));
    const mask = await up(await hostAs(run.mask, 'float32', 'encoderAttentionMask'));
    const dims = [shape.batch, shape.channels, shape.height, shape.width];
    let x = await up(tensor('float32', run.latents, dims));
    const hostInput = async (l: Float32Array, i: number) => up(await hostAs(run.hostInput(l, i), shape.floatType, 'hiddenStates'));
    let input = await hostInput(run.latents, 0);
    const hist: Tensor[] = []; // denoised of earlier steps, most recent first
    const n = run.steps.length;
    for (let i = 0; i < n; i++) {
      throwIfAborted(o.signal);
      const out = keep(await run.transformer.forward({
        hiddenStates: input, timestep: run.timestep(i), encoderHiddenStates: embeds, encoderAttentionMask: mask, guidance: run.guidance,
      }));
      const noise = run.noise?.(i);
      const c = run.steps[i];
      const scale = i + 1 < n ? run.inputScale(i + 1) : 0; // no next input after the last step
      // Unused history / noise slots get `x` with a zero coefficient: a finite tensor of the right shape, no upload.
      const r = await session.run({
        [STEP_IO.sample]: x,
        [STEP_IO.modelOutput]: out,
        [STEP_IO.hist1]: hist[0] ?? x,
        [STEP_IO.hist2]: hist[1] ?? x,
        [STEP_IO.noise]: noise ? tensor('float32', noise, dims) : x,
        [STEP_IO.coeffs]: tensor('float32', stepCoefficients(c, run.guidanceScale, scale), [NUM_COEFFS]),
      });
      free(out);
      free(x);
      free(input);
      x = keep(r[STEP_IO.nextSample]);
      input = keep(r[STEP_IO.modelInput]);
      hist.unshift(keep(r[STEP_IO.denoised]));
      if (hist.length > 2) free(hist.pop());
      if (o.onStep) {
        // Read back only for the callback; a replacement goes up again with its transformer input.
        const host = Float32Array.from((await x.read()) as Float32Array);
        const next = afterStep(o, { step: i, steps: n, timestep: run.timesteps[i], latents: Float32Array.from(host) }, host);
        if (next !== host && i + 1 < n) {
          free(x);
          free(input);
          x = await up(tensor('float32', next, dims));
          input = await hostInput(next, i + 1);
        } else if (next !== host) {
          free(x);
          x = tensor('float32', next, dims);
        }
      }
    }
    throwIfAborted(o.signal);
    const res = run.result === 'sample' ? x : hist[0];
    return Float32Array.from((await res.read()) as Float32Array);
  } finally {
    for (const t of owned) t.dispose();
    owned.clear();
  }
}

/**
 * `backend` whose sessions keep their outputs in device memory (for the transformer: its output feeds the step
 * graph directly). The backend itself where it cannot (`deviceResident` unset): nothing changes on CPU.
 * @example const session = await withOutputsOnDevice(backend).createSession(bytes, { label: 'transformer' });
 */
export function withOutputsOnDevice(backend: Backend): Backend {
  if (!backend.deviceResident) return backend;
  return {
    ...backend,
    createSession: (model, options = {}) => backend.createSession(model, { preferredOutputLocation: 'gpu-buffer', ...options }),
  };
}
