// SanaPipeline: text -> image with Flow-DPM-Solver and classifier-free guidance (diffusers `SanaPipeline.__call__`).
import { ArgumentError, TorchGenerator, float32, tensor } from '@sana/core';
import { cfgCombineBatched, createSampler, samplerLinearSteps } from '@sana/flow-dpm-solver';
import type { SanaComponents } from './components.js';
import { concatBatch, firstChannels, readFloat32, repeatRows } from './batch.js';
import { decodeLatents } from './decode.js';
import { StepSessions, runDeviceLoop, useDeviceLoop } from './device-loop.js';
import { checkGenerateOptions } from './option-checks.js';
import {
  afterStep, initialNoise, resolveSize, throwIfAborted, type GenerateOptions, type GenerateResult,
} from './generate-options.js';

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Sana text-to-image.
 * @example
 * const pipe = await SanaPipeline.fromPretrained('Sana_600M_1024px_diffusers');   // from '@sana/pipeline' in Node
 * const { images } = await pipe.generate({ prompt: 'a red fox in snow', steps: 20, seed: 42 });
 * await writeFile('fox.png', encodePng(images[0].rgba, images[0].width, images[0].height));
 */
export class SanaPipeline {
  private readonly stepSessions = new StepSessions();
  constructor(readonly components: SanaComponents) {
    if (components.scheduler.kind === 'scm') throw new ArgumentError('components.scheduler', 'is SCM (Sana-Sprint); use SanaSprintPipeline');
  }

  /** Latent compression of the VAE (32 for DC-AE f32). */
  get vaeScale(): number { return 2 ** (this.components.vaeConfig.encoderBlockOutChannels.length - 1); }

  async generate(o: GenerateOptions): Promise<GenerateResult> {
    checkGenerateOptions(o); // types and ranges first: an ArgumentError naming the option, before anything is allocated
    const { textEncoder, transformer, scheduler } = this.components;
    const tc = transformer.config;
    const t0 = now();
    const size = resolveSize(o, tc.sampleSize, this.vaeScale);
    const steps = o.steps ?? 20;
    const guidance = o.guidanceScale ?? 4.5;
    const doCfg = guidance > 1;
    const n = o.numImagesPerPrompt ?? 1;
    const onDevice = useDeviceLoop(o.deviceLoop, this.components.backend);
    throwIfAborted(o.signal);

    // 1. Text: [neg..., pos...] rows when guiding, each prompt repeated n times.
    if (o.promptEmbeds && doCfg && !(o.promptEmbeds.negEmbeds && o.promptEmbeds.negMask)) {
      throw new ArgumentError('promptEmbeds', 'needs negEmbeds and negMask when guidanceScale > 1 (classifier-free guidance)');
    }
    const enc = o.promptEmbeds ?? await textEncoder.encodePrompt({
      prompts: size.prompts, negativePrompt: o.negativePrompt ?? '', chi: o.complexHumanInstruction,
      maxSequenceLength: o.maxSequenceLength, doCfg,
    });
    let embeds = await repeatRows(enc.embeds, n);
    let mask = await repeatRows(enc.mask, n);
    if (doCfg) {
      embeds = await concatBatch([await repeatRows(enc.negEmbeds!, n), embeds]);
      mask = await concatBatch([await repeatRows(enc.negMask!, n) as typeof mask, mask]);
    }
    const t1 = now();

    // 2. Noise and schedule.
    const h = (size.binned?.height ?? size.height) / this.vaeScale;
    const w = (size.binned?.width ?? size.width) / this.vaeScale;
    const dims = [size.batch, tc.inChannels, h, w];
    let latents = await initialNoise(o, dims, (d) => new TorchGenerator(o.seed ?? 0).randn(d));
    const sampler = createSampler(scheduler, steps);

    // 3. Denoise: on the device (state stays there) or on the host (TypeScript samplers).
    const rows = doCfg ? 2 * size.batch : size.batch;
    const hw = h * w;
    const timestep = (i: number) => tensor('float32', new Float32Array(rows).fill(Math.fround(sampler.timesteps[i] * tc.timestepScale)), [rows]);
    if (onDevice) {
      latents = await runDeviceLoop({
        backend: this.components.backend!, sessions: this.stepSessions, transformer,
        shape: { batch: size.batch, channels: tc.inChannels, outChannels: tc.outChannels, height: h, width: w, cfg: doCfg, floatType: transformer.floatType },
        steps: samplerLinearSteps(scheduler, steps), timesteps: sampler.timesteps, timestep,
        guidanceScale: guidance, inputScale: () => 1,
        hostInput: (x) => float32(doCfg ? twice(x) : x, [rows, tc.inChannels, h, w]),
        embeds, mask, latents, options: o, result: 'sample',
      });
    } else {
      for (let i = 0; i < sampler.steps; i++) {
        throwIfAborted(o.signal);
        const t = sampler.timesteps[i];
        const input = doCfg ? twice(latents) : latents; // [2B, C, h, w]: the same latents for uncond and cond
        const out = await transformer.forward({
          hiddenStates: float32(input, [rows, tc.inChannels, h, w]),
          timestep: timestep(i),
          encoderHiddenStates: embeds,
          encoderAttentionMask: mask,
        });
        let v = await readFloat32(out);
        out.dispose(); // frees device memory where the transformer keeps its output there
        if (doCfg) v = cfgCombineBatched(v, guidance);
        if (tc.outChannels === 2 * tc.inChannels) v = firstChannels(v, size.batch, tc.outChannels, tc.inChannels, hw);
        latents = sampler.step(v, latents);
        latents = afterStep(o, { step: i, steps: sampler.steps, timestep: t, latents: Float32Array.from(latents) }, latents);
      }
    }
    const t2 = now();
    throwIfAborted(o.signal);

    // 4. Decode, resize back from the bin, to [0, 1].
    const dec = await decodeLatents(this.components, latents, dims, size.width, size.height);
    const t3 = now();
    return {
      ...dec, latents,
      timings: { textEncoder: (t1 - t0) / 1000, denoise: (t2 - t1) / 1000, decode: (t3 - t2) / 1000, total: (t3 - t0) / 1000 },
      denoiseLoop: onDevice ? 'device' : 'host',
    };
  }

  /** Frees every session. */
  async release(): Promise<void> {
    const c = this.components;
    await Promise.all([c.textEncoder.release(), c.transformer.release(), c.vae.release(), this.stepSessions.release()]);
  }
}

/** [x; x] along the batch. */
function twice(x: Float32Array): Float32Array {
  const out = new Float32Array(2 * x.length);
  out.set(x);
  out.set(x, x.length);
  return out;
}
