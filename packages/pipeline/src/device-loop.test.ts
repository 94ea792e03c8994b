// The device loop forced on the CPU backend reproduces the host loop on the fixture pipelines, step by step.
import { describe, expect, it, beforeAll } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ArgumentError, type Backend, type Session, type Tensor } from '@sana/core';
import { SanaTransformer } from '@sana/linear-dit';
import { loadPretrained } from './node-pretrained.js';
import { SanaPipeline } from './sana-pipeline.js';
import { SanaSprintPipeline } from './sana-sprint-pipeline.js';
import type { GenerateOptions } from './generate-options.js';
import type { SanaComponents } from './components.js';
import { useDeviceLoop } from './device-loop.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/reference', import.meta.url));
const TOL = 1e-5;

function maxAbs(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

type Pipe = { generate(o: GenerateOptions): Promise<{ latents: Float32Array; pixels: Float32Array }> };

/** Runs `o` with the loop off and on; returns per-step and final max |difference|. */
async function bothWays(pipe: Pipe, o: GenerateOptions) {
  const run = async (deviceLoop: 'on' | 'off') => {
    const steps: Float32Array[] = [];
    const r = await pipe.generate({ ...o, deviceLoop, onStep: (s) => { steps.push(s.latents); } });
    const quiet = await pipe.generate({ ...o, deviceLoop }); // no callback: no read-back between steps
    return { steps, r, quiet };
  };
  const host = await run('off');
  const dev = await run('on');
  expect(dev.steps).toHaveLength(host.steps.length);
  const perStep = host.steps.map((h, i) => maxAbs(dev.steps[i], h));
  if (process.env.SANA_PRINT_DIFFS) console.log(JSON.stringify({ perStep, final: maxAbs(dev.r.latents, host.r.latents), pixels: maxAbs(dev.r.pixels, host.r.pixels) }));
  return {
    perStep,
    final: maxAbs(dev.r.latents, host.r.latents),
    quiet: maxAbs(dev.quiet.latents, host.r.latents),
    pixels: maxAbs(dev.r.pixels, host.r.pixels),
  };
}

const base = { width: 64, height: 64, useResolutionBinning: false, maxSequenceLength: 16 } as const;

describe('device loop on the CPU backend', () => {
  let sana: SanaComponents;
  let sprint: SanaComponents;
  beforeAll(async () => {
    sana = await loadPretrained(join(fixtures, 'sana'), { device: 'cpu', threads: 1 });
    sprint = await loadPretrained(join(fixtures, 'sana-sprint'), { device: 'cpu', threads: 1 });
  });

  it('SanaPipeline (CFG, DPM-Solver 2M): latents per step within 1e-5 of the host loop', async () => {
    const d = await bothWays(new SanaPipeline(sana), { ...base, prompt: ['a red fox', 'a blue car'], steps: 6, seed: 11, guidanceScale: 4.5 });
    expect(d.perStep).toHaveLength(6);
    for (const e of d.perStep) expect(e).toBeLessThan(TOL);
    expect(d.final).toBeLessThan(TOL);
    expect(d.quiet).toBeLessThan(TOL);
    expect(d.pixels).toBeLessThan(1e-4);
  });

  it('SanaPipeline without CFG and with two images per prompt', async () => {
    const d = await bothWays(new SanaPipeline(sana), { ...base, prompt: 'a house', numImagesPerPrompt: 2, steps: 3, seed: 2, guidanceScale: 1 });
    for (const e of d.perStep) expect(e).toBeLessThan(TOL);
    expect(d.quiet).toBeLessThan(TOL);
  });

  it('SanaSprintPipeline (SCM, 1, 2 and 4 steps, host noise): latents per step within 1e-5', async () => {
    for (const steps of [1, 2, 4]) {
      const d = await bothWays(new SanaSprintPipeline(sprint), { ...base, prompt: 'a lighthouse', steps, seed: 7 });
      expect(d.perStep).toHaveLength(steps);
      for (const e of d.perStep) expect(e).toBeLessThan(TOL);
      expect(d.final).toBeLessThan(TOL);
      expect(d.quiet).toBeLessThan(TOL);
    }
  });

  it('takes latents that onStep returns (replayed trajectories)', async () => {
    const pipe = new SanaPipeline(sana);
    const o = { ...base, prompt: 'a tree', steps: 3, seed: 5 };
    const replace = (s: { step: number; latents: Float32Array }) => (s.step === 0 ? s.latents.map((v) => v * 0.5) : undefined);
    const host = await pipe.generate({ ...o, deviceLoop: 'off', onStep: replace });
    const dev = await pipe.generate({ ...o, deviceLoop: 'on', onStep: replace });
    expect(maxAbs(dev.latents, host.latents)).toBeLessThan(TOL);
  });

  it("'auto' stays on the host on CPU; bad values and a missing backend are named", async () => {
    expect(useDeviceLoop('auto', sana.backend)).toBe(false);
    expect(useDeviceLoop(undefined, sana.backend)).toBe(false);
    expect(useDeviceLoop('on', sana.backend)).toBe(true);
    expect(useDeviceLoop('auto', { ...sana.backend!, deviceResident: true })).toBe(true);
    expect(() => useDeviceLoop('gpu' as never, sana.backend)).toThrow(ArgumentError);
    expect(() => useDeviceLoop('gpu' as never, sana.backend)).toThrow('deviceLoop: is "gpu"; expected one of auto, on, off');
    const pipe = new SanaPipeline({ ...sana, backend: undefined });
    await expect(pipe.generate({ ...base, prompt: 'x', steps: 1, deviceLoop: 'on' })).rejects.toThrow(/deviceLoop: is "on" but the components have no backend/);
  });
});

// ---- Device-memory bookkeeping, with a stand-in device (CPU sessions whose tensors act like GPU buffers) ----

/** A "device" tensor over a host one: `data` throws, use after dispose throws, every live one is tracked. */
class FakeDeviceTensor implements Tensor {
  readonly location = 'gpu-buffer' as const;
  disposed = false;
  constructor(readonly inner: Tensor, private readonly live: Set<FakeDeviceTensor>) { live.add(this); }
  get dims() { return this.inner.dims; }
  get dtype() { return this.inner.dtype; }
  get data(): never { throw new Error('data of a device tensor'); }
  read() { if (this.disposed) throw new Error('read after dispose'); return this.inner.read(); }
  dispose() {
    if (this.disposed) throw new Error('disposed twice');
    this.disposed = true;
    this.live.delete(this);
  }
}

function fakeDevice(live: Set<FakeDeviceTensor>) {
  const unwrap = (t: Tensor) => {
    if (!(t instanceof FakeDeviceTensor)) return t;
    if (t.disposed) throw new Error('fed after dispose');
    return t.inner;
  };
  const wrap = (s: Session, keep: boolean): Session => ({
    inputNames: s.inputNames, outputNames: s.outputNames, inputs: s.inputs,
    endProfiling: () => s.endProfiling(), release: () => s.release(),
    async run(feeds) {
      const out = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, unwrap(v)])));
      return keep ? Object.fromEntries(Object.entries(out).map(([k, v]) => [k, new FakeDeviceTensor(v, live)])) : out;
    },
  });
  return { wrap, backend: (cpu: Backend): Backend => ({
    runtime: cpu.runtime, device: 'webgpu', deviceResident: true,
    async createSession(m, o = {}) { return wrap(await cpu.createSession(m, { ...o, preferredOutputLocation: undefined }), o.preferredOutputLocation === 'gpu-buffer'); },
    async toDevice(t) { return new FakeDeviceTensor(t, live); },
  }) };
}

describe('device loop bookkeeping (stand-in device)', () => {
  it('frees every device tensor it made, never uses one after freeing it, and matches the host loop', async () => {
    for (const [folder, Pipe, steps] of [['sana', SanaPipeline, 4], ['sana-sprint', SanaSprintPipeline, 3]] as const) {
      const parts = await loadPretrained(join(fixtures, folder), { device: 'cpu', threads: 1 });
      const live = new Set<FakeDeviceTensor>();
      const dev = fakeDevice(live);
      const backend = dev.backend(parts.backend!);
      // the transformer as loadComponents opens it on a device-resident backend: output kept on the device
      const transformer = new SanaTransformer(dev.wrap(parts.transformer.session, true), parts.transformer.config, parts.transformer.floatType);
      const pipe = new Pipe({ ...parts, backend, transformer });
      const o = { ...base, prompt: 'a boat', steps, seed: 4 };
      const ref = await new Pipe(parts).generate({ ...o, deviceLoop: 'off' });
      for (const onStep of [undefined, () => undefined]) {
        const r = await pipe.generate({ ...o, onStep }); // 'auto': the device loop on this backend
        expect(maxAbs(r.latents, ref.latents)).toBeLessThan(TOL);
        expect(live.size).toBe(0);
      }
      await pipe.generate({ ...o, deviceLoop: 'off' }); // the host loop frees the transformer outputs too
      expect(live.size).toBe(0);
      const ac = new AbortController();
      await expect(pipe.generate({ ...o, signal: ac.signal, onStep: () => ac.abort() })).rejects.toThrow(/abort/i);
      expect(live.size).toBe(0); // freed on the way out
    }
  });
});
