// DC-AE configuration (diffusers `AutoencoderDC`): the deep-compression autoencoder of Sana §2.1 / DC-AE (arXiv 2410.10733).
import { ConfigError } from '@sana/core';

export type BlockType = 'ResBlock' | 'EfficientViTBlock';
export type NormType = 'rms_norm' | 'batch_norm';
/** The activations diffusers' `get_activation` knows (ACT2CLS); 'swish' is 'silu'. */
export type ActFn = 'silu' | 'swish' | 'relu' | 'gelu' | 'mish';
export type UpsampleBlockType = 'pixel_shuffle' | 'interpolate';
export type DownsampleBlockType = 'pixel_unshuffle' | 'conv';

/**
 * One `AutoencoderDC` config with every per-stage field expanded to a list (diffusers accepts a string for
 * "the same in every stage"; here it is always one entry per stage).
 */
export interface DcAeConfig {
  readonly inChannels: number;
  readonly latentChannels: number;
  readonly attentionHeadDim: number;
  readonly encoderBlockTypes: readonly BlockType[];
  readonly decoderBlockTypes: readonly BlockType[];
  readonly encoderBlockOutChannels: readonly number[];
  readonly decoderBlockOutChannels: readonly number[];
  readonly encoderLayersPerBlock: readonly number[];
  readonly decoderLayersPerBlock: readonly number[];
  readonly encoderQkvMultiscales: readonly (readonly number[])[];
  readonly decoderQkvMultiscales: readonly (readonly number[])[];
  readonly upsampleBlockType: UpsampleBlockType;
  readonly downsampleBlockType: DownsampleBlockType;
  readonly decoderNormTypes: readonly NormType[];
  readonly decoderActFns: readonly ActFn[];
  readonly encoderOutShortcut: boolean;
  readonly decoderInShortcut: boolean;
  readonly decoderConvActFn: ActFn;
  /** Latents enter the diffusion model as `latent * scalingFactor`; the pipeline divides by it before decoding. */
  readonly scalingFactor: number;
}

const VIT_STAGES = ['ResBlock', 'ResBlock', 'ResBlock', 'EfficientViTBlock', 'EfficientViTBlock', 'EfficientViTBlock'] as const;
const MULTISCALES = [[], [], [], [5], [5], [5]] as const;

/**
 * `mit-han-lab/dc-ae-f32c32-sana-1.0-diffusers`, the VAE of every Sana 1.0 / 1.5 / Sprint checkpoint.
 * 32x spatial compression, 32 latent channels. Parameters: encoder 153.0M, decoder 159.2M (`parameterCount`).
 */
export const DC_AE_F32C32_SANA_1_0: DcAeConfig = Object.freeze({
  inChannels: 3,
  latentChannels: 32,
  attentionHeadDim: 32,
  encoderBlockTypes: VIT_STAGES,
  decoderBlockTypes: VIT_STAGES,
  encoderBlockOutChannels: [128, 256, 512, 512, 1024, 1024],
  decoderBlockOutChannels: [128, 256, 512, 512, 1024, 1024],
  encoderLayersPerBlock: [2, 2, 2, 3, 3, 3],
  decoderLayersPerBlock: [3, 3, 3, 3, 3, 3],
  encoderQkvMultiscales: MULTISCALES,
  decoderQkvMultiscales: MULTISCALES,
  upsampleBlockType: 'interpolate',
  downsampleBlockType: 'conv',
  decoderNormTypes: ['rms_norm', 'rms_norm', 'rms_norm', 'rms_norm', 'rms_norm', 'rms_norm'],
  decoderActFns: ['silu', 'silu', 'silu', 'silu', 'silu', 'silu'],
  encoderOutShortcut: true,
  decoderInShortcut: true,
  decoderConvActFn: 'relu',
  scalingFactor: 0.41407,
} satisfies DcAeConfig);

/** Presets by official checkpoint name. */
export const DC_AE_PRESETS: Readonly<Record<string, DcAeConfig>> = Object.freeze({
  'dc-ae-f32c32-sana-1.0': DC_AE_F32C32_SANA_1_0,
});

/** Spatial compression of the encoder (2 ^ (stages - 1)): 32 for f32c32. Image sides must be multiples of it. */
export function compressionRatio(config: DcAeConfig): number {
  return 2 ** (config.encoderBlockOutChannels.length - 1);
}

const BLOCK_TYPES: readonly BlockType[] = ['ResBlock', 'EfficientViTBlock'];
const NORM_TYPES: readonly NormType[] = ['rms_norm', 'batch_norm'];
const ACT_FNS: readonly ActFn[] = ['silu', 'swish', 'relu', 'gelu', 'mish'];

/**
 * Reads a diffusers `AutoencoderDC` config.json (already parsed), fills diffusers' defaults for absent
 * fields, expands per-stage strings to lists and checks every field; a bad one throws `ConfigError` naming it.
 * @example
 * const config = fromDiffusersConfig(JSON.parse(await readFile('vae/config.json', 'utf8')), 'vae/config.json');
 */
export function fromDiffusersConfig(json: unknown, file?: string): DcAeConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError('<root>', 'must be a JSON object', file);
  const j = json as Record<string, unknown>;
  const err = (field: string, msg: string) => new ConfigError(field, msg, file);
  if (j._class_name !== undefined && j._class_name !== 'AutoencoderDC') throw err('_class_name', `is ${JSON.stringify(j._class_name)}; expected "AutoencoderDC"`);

  const int = (field: string, dflt: number, min = 1): number => {
    const v = j[field] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw err(field, `must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return v;
  };
  const bool = (field: string, dflt: boolean): boolean => {
    const v = j[field] ?? dflt;
    if (typeof v !== 'boolean') throw err(field, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const oneOf = <T extends string>(field: string, v: unknown, allowed: readonly T[]): T => {
    if (typeof v !== 'string' || !allowed.includes(v.toLowerCase() as T)) throw err(field, `is ${JSON.stringify(v)}; expected one of ${allowed.join(', ')}`);
    return v.toLowerCase() as T;
  };
  const intList = (field: string, dflt: readonly number[], min: number): number[] => {
    const v = j[field] ?? dflt;
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < min)) {
      throw err(field, `must be a non-empty list of integers >= ${min}, got ${JSON.stringify(v)}`);
    }
    return v as number[];
  };
  /** A string (same in every stage) or a list of `n` strings from `allowed`. */
  const perStage = <T extends string>(field: string, dflt: string, n: number, allowed: readonly T[], caseSensitive = false): T[] => {
    const v = j[field] ?? dflt;
    const pick = (x: unknown, f: string) => (caseSensitive ? exact(f, x, allowed) : oneOf(f, x, allowed));
    if (typeof v === 'string') return Array.from({ length: n }, () => pick(v, field));
    if (!Array.isArray(v)) throw err(field, `must be a string or a list of ${n} strings, got ${JSON.stringify(v)}`);
    if (v.length !== n) throw err(field, `has ${v.length} entries; the model has ${n} stages`);
    return v.map((x, i) => pick(x, `${field}[${i}]`));
  };
  const exact = <T extends string>(field: string, v: unknown, allowed: readonly T[]): T => {
    if (typeof v !== 'string' || !allowed.includes(v as T)) throw err(field, `is ${JSON.stringify(v)}; expected one of ${allowed.join(', ')}`);
    return v as T;
  };
  const scales = (field: string, n: number): number[][] => {
    const v = j[field] ?? MULTISCALES;
    if (!Array.isArray(v) || v.length !== n) throw err(field, `must be a list of ${n} kernel-size lists (one per stage), got ${JSON.stringify(v)}`);
    return v.map((s, i) => {
      if (!Array.isArray(s) || s.some((k) => typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k % 2 === 0)) {
        throw err(`${field}[${i}]`, `must be a list of odd kernel sizes, got ${JSON.stringify(s)}`);
      }
      return s as number[];
    });
  };

  const encOut = intList('encoder_block_out_channels', [128, 256, 512, 512, 1024, 1024], 1);
  const decOut = intList('decoder_block_out_channels', [128, 256, 512, 512, 1024, 1024], 1);
  if (decOut.length !== encOut.length) {
    throw err('decoder_block_out_channels', `has ${decOut.length} stages but encoder_block_out_channels has ${encOut.length}; both sides must share one compression ratio`);
  }
  const n = encOut.length;
  const encLayers = intList('encoder_layers_per_block', [2, 2, 2, 3, 3, 3], 0);
  const decLayers = intList('decoder_layers_per_block', [3, 3, 3, 3, 3, 3], 0);
  for (const [f, l] of [['encoder_layers_per_block', encLayers], ['decoder_layers_per_block', decLayers]] as const) {
    if (l.length !== n) throw err(f, `has ${l.length} entries; the model has ${n} stages`);
    // A stage after the first without layers would also lose its 2x resampling in diffusers: not a real config.
    const bad = l.findIndex((x, i) => i > 0 && x === 0);
    if (bad > 0) throw err(`${f}[${bad}]`, 'is 0; only the first stage may have no layers');
  }

  const config: DcAeConfig = {
    inChannels: int('in_channels', 3),
    latentChannels: int('latent_channels', 32),
    attentionHeadDim: int('attention_head_dim', 32),
    encoderBlockTypes: perStage('encoder_block_types', 'ResBlock', n, BLOCK_TYPES, true),
    decoderBlockTypes: perStage('decoder_block_types', 'ResBlock', n, BLOCK_TYPES, true),
    encoderBlockOutChannels: encOut,
    decoderBlockOutChannels: decOut,
    encoderLayersPerBlock: encLayers,
    decoderLayersPerBlock: decLayers,
    encoderQkvMultiscales: scales('encoder_qkv_multiscales', n),
    decoderQkvMultiscales: scales('decoder_qkv_multiscales', n),
    upsampleBlockType: oneOf('upsample_block_type', j.upsample_block_type ?? 'pixel_shuffle', ['pixel_shuffle', 'interpolate'] as const),
    downsampleBlockType: oneOf('downsample_block_type', j.downsample_block_type ?? 'pixel_unshuffle', ['pixel_unshuffle', 'conv'] as const),
    decoderNormTypes: perStage('decoder_norm_types', 'rms_norm', n, NORM_TYPES, true),
    decoderActFns: perStage('decoder_act_fns', 'silu', n, ACT_FNS),
    encoderOutShortcut: bool('encoder_out_shortcut', true),
    decoderInShortcut: bool('decoder_in_shortcut', true),
    decoderConvActFn: oneOf('decoder_conv_act_fn', j.decoder_conv_act_fn ?? 'relu', ACT_FNS),
    scalingFactor: (() => {
      const v = j.scaling_factor ?? 1.0;
      if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw err('scaling_factor', `must be a positive number, got ${JSON.stringify(v)}`);
      return v;
    })(),
  };
  checkChannelArithmetic(config, file);
  return Object.freeze(config);
}

/** The divisibility rules diffusers relies on silently (its shortcuts reshape by them). */
export function checkChannelArithmetic(c: DcAeConfig, file?: string): void {
  const err = (field: string, msg: string) => new ConfigError(field, msg, file);
  const enc = c.encoderBlockOutChannels;
  const dec = c.decoderBlockOutChannels;
  for (let i = 0; i + 1 < enc.length; i++) {
    // DCDownBlock2d: pixel_unshuffle gives 4*C_in channels, averaged in groups down to C_out.
    if ((4 * enc[i]) % enc[i + 1] !== 0) throw err(`encoder_block_out_channels[${i + 1}]`, `(${enc[i + 1]}) must divide 4 * ${enc[i]} for the averaging shortcut`);
    if (c.downsampleBlockType === 'pixel_unshuffle' && enc[i + 1] % 4 !== 0) throw err(`encoder_block_out_channels[${i + 1}]`, `(${enc[i + 1]}) must be a multiple of 4 for pixel_unshuffle`);
  }
  for (let i = 0; i + 1 < dec.length; i++) {
    // DCUpBlock2d: channels repeated 4*C_out/C_in times, then pixel_shuffle.
    if ((4 * dec[i]) % dec[i + 1] !== 0) throw err(`decoder_block_out_channels[${i}]`, `(${dec[i]}): 4 * ${dec[i]} must be a multiple of ${dec[i + 1]} for the repeating shortcut`);
  }
  if (c.encoderOutShortcut && enc[enc.length - 1] % c.latentChannels !== 0) throw err('latent_channels', `(${c.latentChannels}) must divide the last encoder width ${enc[enc.length - 1]} (encoder_out_shortcut)`);
  if (c.decoderInShortcut && dec[dec.length - 1] % c.latentChannels !== 0) throw err('latent_channels', `(${c.latentChannels}) must divide the last decoder width ${dec[dec.length - 1]} (decoder_in_shortcut)`);
  const vitWidths = [...enc.filter((_, i) => c.encoderBlockTypes[i] === 'EfficientViTBlock'), ...dec.filter((_, i) => c.decoderBlockTypes[i] === 'EfficientViTBlock')];
  const narrow = vitWidths.find((w) => w < c.attentionHeadDim);
  if (narrow !== undefined) throw err('attention_head_dim', `(${c.attentionHeadDim}) is wider than an EfficientViT stage (${narrow} channels): it would have no heads`);
}
