// SanaSprintPipeline: 1-4 step text -> image with SCM / TrigFlow and embedded guidance (diffusers `SanaSprintPipeline`).
import { ArgumentError, TorchGenerator, float32, tensor } from '@sana/core';
import {
  createSampler, samplerLinearSteps, scmFinalLatents, scmInitialLatents, scmModelInput, scmModelOutput, sprintInputScale,
  trigflowToFlowTime, type ScmConfig,
} from '@sana/flow-dpm-solver';
import type { SanaComponents } from './components.js';
import { readFloat32, repeatRows } from './batch.js';
import { decodeLatents } from './decode.js';
import { StepSessions, runDeviceLoop, useDeviceLoop } from './device-loop.js';
import { checkGenerateOptions } from './option-checks.js';
import {
  afterStep, initialNoise, resolveSize, throwIfAborted, type GenerateOptions, type GenerateResult,
} from './generate-options.js';

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export interface SprintOptions extends GenerateOptions {
  /** First TrigFlow time (default 1.5708). */
  readonly maxTimesteps?: number;
  /** Middle time of a 2-step schedule (default 1.3). */
  readonly intermediateTimesteps?: number;
}

/**
 * Sana-Sprint: guidance-embedded, no CFG batch, SCM sampling in 1 to 4 steps.
 * @example
 * const pipe = await SanaSprintPipeline.fromPretrained('Sana_Sprint_0.6B_1024px_diffusers');
 * const { images } = await pipe.generate({ prompt: 'a lighthouse at dawn', steps: 2, seed: 7 });
 */
export class SanaSprintPipeline {
  private readonly stepSessions = new StepSessions();
  constructor(readonly components: SanaComponents) {
    if (components.scheduler.kind !== 'scm') throw new ArgumentError('components.scheduler', `is ${components.scheduler.kind}; Sana-Sprint samples with SCM`);
    if (!components.transformer.config.guidanceEmbeds) throw new ArgumentError('components.transformer', 'has no guidance embedding (guidance_embeds); it is not a Sana-Sprint transformer');
  }

  get vaeScale(): number { return 2 ** (this.components.vaeConfig.encoderBlockOutChannels.length - 1); }

  async generate(o: SprintOptions): Promise<GenerateResult> {
    checkGenerateOptions(o); // types and ranges first: an ArgumentError naming the option, before anything is allocated
    const { textEncoder, transformer } = this.components;
    const scheduler = this.components.scheduler as ScmConfig;
    const tc = transformer.config;
    const t0 = now();
    const size = resolveSize(o, tc.sampleSize, this.vaeScale);
    const steps = o.steps ?? 2;
    if (steps > 4) throw new ArgumentError('steps', `is ${steps}; Sana-Sprint is distilled for 1 to 4 steps`);
    const guidance = o.guidanceScale ?? 4.5;
    const n = o.numImagesPerPrompt ?? 1;
    const onDevice = useDeviceLoop(o.deviceLoop, this.components.backend);
    throwIfAborted(o.signal);

    const enc = o.promptEmbeds ?? await textEncoder.encodePrompt({
      prompts: size.prompts, chi: o.complexHumanInstruction, maxSequenceLength: o.maxSequenceLength, doCfg: false,
    });
    const embeds = await repeatRows(enc.embeds, n);
    const mask = await repeatRows(enc.mask, n);
    const t1 = now();

    const h = (size.binned?.height ?? size.height) / this.vaeScale;
    const w = (size.binned?.width ?? size.width) / this.vaeScale;
    const dims = [size.batch, tc.inChannels, h, w];
    // One generator for the initial noise and every step's re-noising, as the reference draws both from it.
    const gen = new TorchGenerator(o.seed ?? 0);
    let latents = scmInitialLatents(await initialNoise(o, dims, (d) => gen.randn(d)), scheduler.sigmaData);
    const schedule = { maxTimesteps: o.maxTimesteps, intermediateTimesteps: steps === 2 ? o.intermediateTimesteps : undefined };
    const sampler = createSampler(scheduler, steps, schedule);
    const sd = scheduler.sigmaData;
    const B = size.batch;
    // diffusers multiplies the guidance by 0.1 in the pipeline: the config's guidance_embeds_scale.
    const g = tensor('float32', new Float32Array(B).fill(Math.fround(Math.fround(guidance) * Math.fround(tc.guidanceEmbedsScale))), [B]);
    let denoised: Float32Array;
    if (onDevice) {
      const lin = samplerLinearSteps(scheduler, steps, { ...schedule, sprint: true });
      denoised = await runDeviceLoop({
        backend: this.components.backend!, sessions: this.stepSessions, transformer,
        shape: { batch: B, channels: tc.inChannels, outChannels: tc.outChannels, height: h, width: w, cfg: false, floatType: transformer.floatType },
        steps: lin, timesteps: sampler.timesteps,
        // flow time r, unscaled, as diffusers passes it (what scmModelInput returns as `timestep`)
        timestep: (i) => tensor('float32', new Float32Array(B).fill(trigflowToFlowTime(sampler.timesteps[i])), [B]),
        guidance: g, guidanceScale: 1,
        inputScale: (i) => sprintInputScale(sampler.timesteps[i], sd),
        hostInput: (x, i) => float32(scmModelInput(x, sampler.timesteps[i], sd).input, dims),
        // Every step draws its noise, as the host path does, so the generator stays in step; the last one's is unused.
        noise: (i) => { const z = gen.randn(dims); return lin[i].next.noise !== 0 ? z : undefined; },
        embeds, mask, latents, options: o, result: 'denoised',
      });
    } else {
      for (let i = 0; i < sampler.steps; i++) {
        throwIfAborted(o.signal);
        const t = sampler.timesteps[i];
        const { input, timestep } = scmModelInput(latents, t, scheduler.sigmaData);
        const out = await transformer.forward({
          hiddenStates: float32(input, dims),
          timestep: tensor('float32', new Float32Array(B).fill(timestep), [B]), // flow time r, unscaled, as diffusers passes it
          encoderHiddenStates: embeds,
          encoderAttentionMask: mask,
          guidance: g,
        });
        const F = scmModelOutput(await readFloat32(out), input, timestep, scheduler.sigmaData);
        out.dispose(); // frees device memory where the transformer keeps its output there
        latents = sampler.step(F, latents, gen.randn(dims));
        latents = afterStep(o, { step: i, steps: sampler.steps, timestep: t, latents: Float32Array.from(latents) }, latents);
      }
      denoised = sampler.denoised!;
    }
    const final = scmFinalLatents(denoised, sd);
    const t2 = now();
    throwIfAborted(o.signal);
    const dec = await decodeLatents(this.components, final, dims, size.width, size.height);
    const t3 = now();
    return {
      ...dec, latents: final,
      timings: { textEncoder: (t1 - t0) / 1000, denoise: (t2 - t1) / 1000, decode: (t3 - t2) / 1000, total: (t3 - t0) / 1000 },
      denoiseLoop: onDevice ? 'device' : 'host',
    };
  }

  async release(): Promise<void> {
    const c = this.components;
    await Promise.all([c.textEncoder.release(), c.transformer.release(), c.vae.release(), this.stepSessions.release()]);
  }
}
