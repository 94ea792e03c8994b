// The options of `generate` and their checks (shared by SanaPipeline and SanaSprintPipeline).
import { ArgumentError, type Tensor } from '@sana/core';
import { binForSampleSize, classifyHeightWidthBin } from './resolution-bins.js';
import type { DeviceLoop } from './device-loop.js';

export interface StepInfo {
  /** 0-based step just completed. */
  readonly step: number;
  readonly steps: number;
  readonly timestep: number;
  /** The latents after this step, [B, C, h, w] float32 (a copy the callback may keep). */
  readonly latents: Float32Array;
}

/** Text conditioning computed elsewhere (diffusers' `prompt_embeds` / `prompt_attention_mask` / negatives). */
export interface PromptEmbeds {
  /** [B, L, caption_channels] */
  readonly embeds: Tensor;
  /** [B, L], 1 = token, 0 = padding */
  readonly mask: Tensor;
  /** Required by SanaPipeline when guidanceScale > 1. */
  readonly negEmbeds?: Tensor;
  readonly negMask?: Tensor;
}

export interface GenerateOptions {
  /** One prompt or a batch; may be omitted when `promptEmbeds` is given. */
  readonly prompt?: string | readonly string[];
  /** Skip the text encoder: use these states (one row per prompt). */
  readonly promptEmbeds?: PromptEmbeds;
  /** Default "" (Sana pipeline only; Sprint uses no CFG). */
  readonly negativePrompt?: string | readonly string[];
  /** Pixels; default: the transformer's sample_size x 32 (1024 for the 1024px models). */
  readonly width?: number;
  readonly height?: number;
  /** Default 20 (Sana) / 2 (Sprint). */
  readonly steps?: number;
  /** Default 4.5 (both; Sprint embeds it instead of running CFG). */
  readonly guidanceScale?: number;
  /** Seed of the torch-compatible noise (default 0). Ignored when `latents` is given. */
  readonly seed?: number;
  /** Initial noise [B * numImagesPerPrompt, C, h, w] (standard normal; Sprint scales it by sigma_data). */
  readonly latents?: Tensor | Float32Array;
  readonly numImagesPerPrompt?: number;
  /** CHI lines; default the official ones; null or [] to encode the prompt alone. */
  readonly complexHumanInstruction?: readonly string[] | null;
  /** Default 300. */
  readonly maxSequenceLength?: number;
  /** Map (width, height) to the closest official aspect-ratio bin and resize back (default true). */
  readonly useResolutionBinning?: boolean;
  /**
   * Called after every step. Returning a Float32Array replaces the latents the next step starts from
   * (diffusers' `callback_on_step_end` returning `latents`): for edits between steps, or to replay a
   * reference trajectory.
   */
  readonly onStep?: (info: StepInfo) => Float32Array | void;
  readonly signal?: AbortSignal;
  /**
   * Where the denoising loop runs. 'auto' (default): on the device when the backend keeps tensors there (WebGPU):
   * latents, text states and solver history stay in GPU memory and a small sampler-step graph does CFG and the
   * solver update; otherwise on the host. 'on': that graph also on CPU (for testing). 'off': the TypeScript samplers.
   * On the device, latents are read back for `onStep` only when a callback is given (one download per step).
   */
  readonly deviceLoop?: DeviceLoop;
}

export interface GeneratedImage {
  readonly width: number;
  readonly height: number;
  /** RGBA, 8 bits per channel, row-major. */
  readonly rgba: Uint8ClampedArray;
}

export interface GenerateResult {
  readonly images: GeneratedImage[];
  /** [B, 3, height, width] in [0, 1] (diffusers `output_type="pt"` after postprocess). */
  readonly pixels: Float32Array;
  readonly pixelDims: readonly [number, number, number, number];
  /** The final latents [B, C, h, w] (before the VAE scaling). */
  readonly latents: Float32Array;
  /** Seconds per stage. */
  readonly timings: { textEncoder: number; denoise: number; decode: number; total: number };
  /** Where the denoising loop ran: 'device' (latents and text states stayed in device memory; see `deviceLoop`) or 'host'. */
  readonly denoiseLoop: 'device' | 'host';
}

export interface Resolved {
  readonly prompts: string[];
  readonly width: number;
  readonly height: number;
  readonly binned?: { width: number; height: number };
  readonly batch: number;
}

/** Checks the prompt, size and counts, and applies resolution binning. */
export function resolveSize(o: GenerateOptions, sampleSize: number, scale: number): Resolved {
  if (o.promptEmbeds) {
    const e = o.promptEmbeds;
    if (e.embeds.dims.length !== 3 || e.mask.dims.length !== 2 || e.mask.dims[0] !== e.embeds.dims[0] || e.mask.dims[1] !== e.embeds.dims[1]) {
      throw new ArgumentError('promptEmbeds', `embeds [${e.embeds.dims.join(', ')}] and mask [${e.mask.dims.join(', ')}] must be [B, L, C] and [B, L]`);
    }
  }
  const prompts = o.promptEmbeds && o.prompt === undefined
    ? Array.from({ length: o.promptEmbeds.embeds.dims[0] }, () => '')
    : typeof o.prompt === 'string' ? [o.prompt] : [...(o.prompt ?? [])];
  if (prompts.length === 0) throw new ArgumentError('prompt', 'is empty; give a prompt or a list of prompts');
  if (o.promptEmbeds && prompts.length !== o.promptEmbeds.embeds.dims[0]) {
    throw new ArgumentError('promptEmbeds', `has ${o.promptEmbeds.embeds.dims[0]} rows for ${prompts.length} prompts`);
  }
  prompts.forEach((p, i) => {
    if (typeof p !== 'string') throw new ArgumentError(prompts.length > 1 ? `prompt[${i}]` : 'prompt', `must be a string, got ${typeof p}`);
    if (p.trim() === '' && !o.promptEmbeds) throw new ArgumentError(prompts.length > 1 ? `prompt[${i}]` : 'prompt', 'is an empty string; describe the image to generate');
  });
  const n = o.numImagesPerPrompt ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError('numImagesPerPrompt', `must be an integer >= 1, got ${n}`);
  const width = o.width ?? sampleSize * scale;
  const height = o.height ?? sampleSize * scale;
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(name, `must be a positive integer number of pixels, got ${v}`);
  }
  if (o.useResolutionBinning ?? true) {
    const [h, w] = classifyHeightWidthBin(height, width, binForSampleSize(sampleSize));
    return { prompts, width, height, binned: { width: w, height: h }, batch: prompts.length * n };
  }
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (v % scale !== 0) throw new ArgumentError(name, `is ${v}; with useResolutionBinning off it must be a multiple of ${scale} (e.g. ${Math.max(scale, Math.round(v / scale) * scale)})`);
  }
  return { prompts, width, height, batch: prompts.length * n };
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason = signal.reason;
    throw reason instanceof Error ? reason : new DOMException('generation was aborted', 'AbortError');
  }
}

/** The initial noise: given latents (checked) or torch-compatible randn from the seed. */
export async function initialNoise(o: GenerateOptions, dims: readonly number[], draw: (dims: readonly number[]) => Float32Array): Promise<Float32Array> {
  if (o.latents === undefined) return draw(dims);
  const l = o.latents;
  const data = l instanceof Float32Array ? l : (await l.read()) as Float32Array;
  if (!(l instanceof Float32Array)) {
    if (l.dtype !== 'float32') throw new ArgumentError('latents', `has dtype ${l.dtype}; expected float32`);
    if (l.dims.join() !== dims.join()) throw new ArgumentError('latents', `has shape [${l.dims.join(', ')}]; expected [${dims.join(', ')}] for this prompt count and size`);
  }
  if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new ArgumentError('latents', `has ${data.length} values; expected [${dims.join(', ')}]`);
  return Float32Array.from(data);
}

/** Applies what `onStep` returned: the same latents, or a checked replacement. */
export function afterStep(o: GenerateOptions, info: StepInfo, latents: Float32Array): Float32Array {
  const r = o.onStep?.(info);
  if (r === undefined) return latents;
  if (!(r instanceof Float32Array) || r.length !== latents.length) {
    throw new ArgumentError('onStep', `returned ${r instanceof Float32Array ? `${r.length} values` : typeof r}; to replace the latents return a Float32Array of ${latents.length}`);
  }
  return Float32Array.from(r);
}
