// A thin typed wrapper over a transformer session: checks latents, text and timesteps before ONNX Runtime sees them.
import {
  ArgumentError, float16ToFloat32, float32ToFloat16, tensor,
  type FloatType, type Session, type Tensor,
} from '@sana/core';
import type { SanaTransformerConfig } from './config.js';
import { TRANSFORMER_IO } from './sana-transformer.js';

/** One forward call, in the names of diffusers `SanaTransformer2DModel.forward`. */
export interface TransformerInputs {
  /** Latents [B, in_channels, H, W], float32 or float16; H and W multiples of patch_size. */
  readonly hiddenStates: Tensor;
  /** [B] timesteps, or one number for the whole batch (the model's timestep: the pipeline applies timestep_scale). */
  readonly timestep: Tensor | number;
  /** Text encoder states [B, L, caption_channels], float32 or float16. */
  readonly encoderHiddenStates: Tensor;
  /** [B, L], 1 = token, 0 = padding (float, int or bool). Default: no padding. */
  readonly encoderAttentionMask?: Tensor;
  /** Sana-Sprint only: [B] guidance (already times guidance_embeds_scale), or one number. */
  readonly guidance?: Tensor | number;
}

const shapeOf = (t: Tensor) => `[${t.dims.join(', ')}]`;

function floatData(t: Tensor, name: string): Float32Array {
  switch (t.dtype) {
    case 'float32': return t.data as Float32Array;
    case 'float16': return float16ToFloat32(t.data as Uint16Array);
    default: throw new ArgumentError(name, `has dtype ${t.dtype}; expected float32 or float16`);
  }
}

/** A float tensor in the graph's float type (converted when it is not). */
function asFloatType(t: Tensor, ft: FloatType, name: string): Tensor {
  if (t.dtype === ft) return t;
  const f = floatData(t, name);
  return ft === 'float16' ? tensor('float16', float32ToFloat16(f), t.dims) : tensor('float32', f, t.dims);
}

/** A [B] float32 vector from a number or a [B] / [1] / [] tensor. */
function perBatch(v: Tensor | number, batch: number, name: string): Tensor {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ArgumentError(name, `must be a finite number; got ${v}`);
    return tensor('float32', new Float32Array(batch).fill(v), [batch]);
  }
  const n = v.dims.reduce((a, b) => a * b, 1);
  if (v.dims.length > 1 || (n !== batch && n !== 1)) throw new ArgumentError(name, `has shape ${shapeOf(v)}; expected [${batch}] (one per batch item) or a single value`);
  const f = v.dtype === 'float32' || v.dtype === 'float16' ? floatData(v, name) : Float32Array.from(v.data as ArrayLike<number | bigint>, Number);
  return tensor('float32', n === batch ? Float32Array.from(f) : new Float32Array(batch).fill(f[0]), [batch]);
}

/**
 * Checks one forward call against the config and returns the session feeds. Every problem a caller can cause
 * is an `ArgumentError` naming the input and its shape.
 * @example const feeds = transformerFeeds(config, 'float32', { hiddenStates, timestep: 999, encoderHiddenStates });
 */
export function transformerFeeds(c: SanaTransformerConfig, ft: FloatType, inp: TransformerInputs): Record<string, Tensor> {
  const x = inp.hiddenStates;
  if (x.dims.length !== 4) throw new ArgumentError('hiddenStates', `has shape ${shapeOf(x)}; expected [batch, ${c.inChannels}, height, width]`);
  const [b, ch, hgt, wid] = x.dims;
  if (b < 1) throw new ArgumentError('hiddenStates', `has shape ${shapeOf(x)}; the batch is empty`);
  if (ch !== c.inChannels) throw new ArgumentError('hiddenStates', `has ${ch} channels (shape ${shapeOf(x)}); this transformer takes in_channels = ${c.inChannels}`);
  const p = c.patchSize;
  if (hgt < p || wid < p || hgt % p !== 0 || wid % p !== 0) {
    throw new ArgumentError('hiddenStates', `latent size ${hgt}x${wid} (shape ${shapeOf(x)}) is not a positive multiple of patch_size ${p}`);
  }
  const e = inp.encoderHiddenStates;
  if (e.dims.length !== 3 || e.dims[0] !== b || e.dims[2] !== c.captionChannels || e.dims[1] < 1) {
    throw new ArgumentError('encoderHiddenStates', `has shape ${shapeOf(e)}; expected [${b}, text_len, ${c.captionChannels}] (batch of hiddenStates, caption_channels)`);
  }
  const len = e.dims[1];
  let mask: Tensor;
  if (inp.encoderAttentionMask) {
    const m = inp.encoderAttentionMask;
    if (m.dims.length !== 2 || m.dims[0] !== b || m.dims[1] !== len) {
      throw new ArgumentError('encoderAttentionMask', `has shape ${shapeOf(m)}; expected [${b}, ${len}] (batch and text length of encoderHiddenStates)`);
    }
    mask = m.dtype === 'float32' ? m : tensor('float32', m.dtype === 'float16' ? floatData(m, 'encoderAttentionMask') : Float32Array.from(m.data as ArrayLike<number | bigint>, Number), m.dims);
  } else {
    mask = tensor('float32', new Float32Array(b * len).fill(1), [b, len]);
  }
  const io = TRANSFORMER_IO;
  const feeds: Record<string, Tensor> = {
    [io.hiddenStates]: asFloatType(x, ft, 'hiddenStates'),
    [io.timestep]: perBatch(inp.timestep, b, 'timestep'),
    [io.encoderHiddenStates]: asFloatType(e, ft, 'encoderHiddenStates'),
    [io.encoderAttentionMask]: mask,
  };
  if (c.guidanceEmbeds) {
    if (inp.guidance === undefined) throw new ArgumentError('guidance', 'is required: this transformer has guidance_embeds (Sana-Sprint)');
    feeds[io.guidance] = perBatch(inp.guidance, b, 'guidance');
  } else if (inp.guidance !== undefined) {
    throw new ArgumentError('guidance', 'was given, but this transformer has no guidance embedding (guidance_embeds is false)');
  }
  return feeds;
}

/**
 * The transformer behind a session: `forward` validates, converts dtypes and runs.
 * @example
 * const dit = new SanaTransformer(await backend.createSession(bytes), config, 'float32');
 * const v = await dit.forward({ hiddenStates: latents, timestep: 999, encoderHiddenStates: embeds, encoderAttentionMask: mask });
 */
export class SanaTransformer {
  constructor(readonly session: Session, readonly config: SanaTransformerConfig, readonly floatType: FloatType) {}

  /** The model output `sample` [B, out_channels, H, W], in the graph's float type. */
  async forward(inputs: TransformerInputs): Promise<Tensor> {
    const out = await this.session.run(transformerFeeds(this.config, this.floatType, inputs));
    return out[TRANSFORMER_IO.sample];
  }

  release(): Promise<void> { return this.session.release(); }
}
