// The encoder and decoder as whole ONNX graphs (platform neutral: weights come from any WeightStore).
import { ArgumentError, Graph, ops, type FloatType, type WeightStore } from '@sana/core';
import type { DcAeConfig } from './config.js';
import { RMS_NORM_MODES, type RmsNormMode } from './layers.js';
import { decoder } from './decoder.js';
import { encoder } from './encoder.js';
import { loadPartWeights } from './weights.js';

export interface DcAeGraphOptions {
  /** Weights and activations (default float32). Inputs and outputs stay float32 either way; attention and RMSNorm statistics run in fp32. */
  readonly floatType?: FloatType;
  /**
   * Latents in the diffusion model's space. Decoder: the input is divided by `scalingFactor` first (what
   * SanaPipeline does before `vae.decode`). Encoder: the output is multiplied by it. Default false: raw
   * latents, exactly `AutoencoderDC.encode(x).latent` / `decode(z)`.
   */
  readonly diffusionSpace?: boolean;
  /**
   * Graph variant of the channel RMSNorms (issue 11): 'fp32' (default, the reference's fp32 statistics),
   * 'fp16' (no Cast pair in fp16 graphs), 'simplified' (one `SimplifiedLayerNormalization` kernel in NHWC).
   * All three are the same function; in fp32 graphs they differ only by float rounding.
   */
  readonly rmsNorm?: RmsNormMode;
}

function rmsNormMode(o: DcAeGraphOptions): RmsNormMode {
  const m = o.rmsNorm ?? 'fp32';
  if (!RMS_NORM_MODES.includes(m)) throw new ArgumentError('rmsNorm', `is ${JSON.stringify(m)}; expected one of ${RMS_NORM_MODES.map((x) => `'${x}'`).join(', ')}`);
  return m;
}

/** Graph input / output names. */
export const DC_AE_IO = { image: 'image', latent: 'latent' } as const;

/**
 * The decoder graph: `latent` float32 [batch, c, latent_height, latent_width] -> `image` float32
 * [batch, 3, 32*latent_height, 32*latent_width] (about [-1, 1]). Sizes are symbolic.
 * @example
 * const g = await buildDecoderGraph(config, store, { floatType: 'float16' });
 * const session = await backend.createSession(serializeModel(g).model);
 */
export async function buildDecoderGraph(config: DcAeConfig, weights: WeightStore, options: DcAeGraphOptions = {}): Promise<Graph> {
  const rmsNorm = rmsNormMode(options);
  const { spec, weights: w } = await loadPartWeights(weights, config, 'decoder');
  const g = new Graph('dc_ae_decoder', { floatType: options.floatType ?? 'float32' });
  let z = g.input(DC_AE_IO.latent, 'float32', ['batch', config.latentChannels, 'latent_height', 'latent_width']);
  if (options.diffusionSpace) z = ops.div(g, z, g.float(config.scalingFactor, [], 'float32'), 'unscale');
  if (g.floatType === 'float16') z = ops.cast(g, z, 'float16');
  let y = decoder({ g, weights: w, spec, rmsNorm }, z, config);
  if (g.floatType === 'float16') y = ops.cast(g, y, 'float32');
  g.output(y, DC_AE_IO.image, 'float32', ['batch', config.inChannels, 'height', 'width']);
  return g;
}

/**
 * The encoder graph: `image` float32 [batch, 3, height, width] in [-1, 1] -> `latent` float32
 * [batch, c, height/32, width/32]. Sizes are symbolic; `DcAeEncoder` refuses sizes that are not multiples of 32.
 * @example const g = await buildEncoderGraph(config, store);
 */
export async function buildEncoderGraph(config: DcAeConfig, weights: WeightStore, options: DcAeGraphOptions = {}): Promise<Graph> {
  const rmsNorm = rmsNormMode(options);
  const { spec, weights: w } = await loadPartWeights(weights, config, 'encoder');
  const g = new Graph('dc_ae_encoder', { floatType: options.floatType ?? 'float32' });
  let x = g.input(DC_AE_IO.image, 'float32', ['batch', config.inChannels, 'height', 'width']);
  if (g.floatType === 'float16') x = ops.cast(g, x, 'float16');
  let z = encoder({ g, weights: w, spec, rmsNorm }, x, config);
  if (g.floatType === 'float16') z = ops.cast(g, z, 'float32');
  if (options.diffusionSpace) z = ops.mul(g, z, g.float(config.scalingFactor, [], 'float32'), 'scale');
  g.output(z, DC_AE_IO.latent, 'float32', ['batch', config.latentChannels, 'latent_height', 'latent_width']);
  return g;
}
