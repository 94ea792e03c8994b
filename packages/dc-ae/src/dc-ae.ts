// DcAeEncoder / DcAeDecoder: a session around each graph, with the argument checks that keep bad inputs away from ORT.
import { ArgumentError, serializeModel, type Backend, type Session, type Tensor, type WeightStore } from '@sana/core';
import { compressionRatio, type DcAeConfig } from './config.js';
import { DC_AE_IO, buildDecoderGraph, buildEncoderGraph, type DcAeGraphOptions } from './graphs.js';
import { decodeTiled, type TileOptions } from './tiling.js';

export interface DcAeSessionOptions extends DcAeGraphOptions {
  /** Intra-op threads of the CPU session (default: ORT's choice). */
  readonly threads?: number;
}

function checkFloat4d(name: string, t: Tensor) {
  if (t.dtype !== 'float32') throw new ArgumentError(name, `has dtype ${t.dtype}; expected float32`);
  if (t.dims.length !== 4) throw new ArgumentError(name, `has shape [${t.dims.join(', ')}]; expected 4 dimensions [batch, channels, height, width]`);
}

/** What tells the two parts apart: the graph builder and the session's one input -> one output. */
interface Part {
  readonly name: 'encoder' | 'decoder';
  readonly build: typeof buildDecoderGraph;
  readonly input: string;
  readonly output: string;
}
const DECODER: Part = { name: 'decoder', build: buildDecoderGraph, input: DC_AE_IO.latent, output: DC_AE_IO.image };
const ENCODER: Part = { name: 'encoder', build: buildEncoderGraph, input: DC_AE_IO.image, output: DC_AE_IO.latent };

/** A session for `part`'s graph built from `weights` (serialized in memory: DC-AE is well under 2 GB). */
async function openPartSession(part: Part, backend: Backend, config: DcAeConfig, weights: WeightStore, options: DcAeSessionOptions): Promise<Session> {
  const model = serializeModel(await part.build(config, weights, options)).model;
  return backend.createSession(model, { threads: options.threads, label: `dc-ae ${part.name}` });
}

/** `session`, once it is known to have `part`'s input and output (else a clear error naming both, not ORT's). */
function checkPartSession(part: Part, session: Session): Session {
  if (!session.inputNames.includes(part.input) || !session.outputNames.includes(part.output)) {
    throw new ArgumentError('session', `is not a DC-AE ${part.name}: it has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}], expected ${part.input} -> ${part.output}`);
  }
  return session;
}

/** A part's class, as the shared static factories see it: the instance type and which part it wraps. */
interface PartClass<T> { readonly prototype: T; readonly part: Part }
type PartConstructor<T> = new (config: DcAeConfig, session: Session, options: DcAeSessionOptions) => T;

/**
 * What DcAeDecoder and DcAeEncoder share: `create` (graph built from weights), `fromSession` (a session the caller
 * made, checked), the session with its config and options, one run input -> output, release(). Each subclass names
 * its `part` and adds the argument checks of its input.
 */
abstract class DcAePart {
  /** Which part a subclass wraps. */
  static readonly part: Part;

  protected constructor(readonly config: DcAeConfig, readonly session: Session, readonly options: DcAeSessionOptions) {}

  /** Builds the part's graph from `weights` and opens it on `backend` (in memory: DC-AE is well under 2 GB). */
  static async create<T extends DcAePart>(this: PartClass<T>, backend: Backend, config: DcAeConfig, weights: WeightStore, options: DcAeSessionOptions = {}): Promise<T> {
    return new (this as unknown as PartConstructor<T>)(config, await openPartSession(this.part, backend, config, weights, options), options);
  }

  /**
   * Wraps a session the caller made (a converted model file, GPU options, external data). It must have the
   * part's input and output (decoder: `latent` -> `image`; encoder: `image` -> `latent`).
   * @example const dec = DcAeDecoder.fromSession(config, await backend.createSession('vae_decoder.onnx'));
   */
  static fromSession<T extends DcAePart>(this: PartClass<T>, config: DcAeConfig, session: Session, options: DcAeSessionOptions = {}): T {
    return new (this as unknown as PartConstructor<T>)(config, checkPartSession(this.part, session), options);
  }

  /** Runs the part on an input its subclass has checked. */
  protected async runPart(x: Tensor): Promise<Tensor<'float32'>> {
    const { input, output } = (this.constructor as unknown as PartClass<this>).part;
    const out = await this.session.run({ [input]: x });
    return out[output] as Tensor<'float32'>;
  }

  release() { return this.session.release(); }
}

/**
 * The DC-AE decoder on a backend.
 * @example
 * const dec = await DcAeDecoder.create(await createBackend('cpu'), config, store);
 * const image = await dec.decode(float32(z, [1, 32, 32, 32])); // [1, 3, 1024, 1024], about [-1, 1]
 * const big = await dec.decodeTiled(float32(z4k, [1, 32, 128, 128])); // 4096 x 4096 in 512-pixel tiles
 */
export class DcAeDecoder extends DcAePart {
  static override readonly part = DECODER;

  /** Latents [B, latent_channels, h, w] (raw, or diffusion-space with `diffusionSpace`) -> image [B, 3, 32h, 32w]. */
  async decode(latents: Tensor): Promise<Tensor<'float32'>> {
    this.check(latents);
    return this.runPart(latents);
  }

  /** The same in overlapping tiles (default 512 px, stride 448), for 2K / 4K images; see tiling.ts. */
  async decodeTiled(latents: Tensor, tiling: TileOptions = {}): Promise<Tensor<'float32'>> {
    this.check(latents);
    return decodeTiled(latents, compressionRatio(this.config), (t) => this.decode(t), tiling);
  }

  private check(latents: Tensor) {
    checkFloat4d('latents', latents);
    const c = this.config.latentChannels;
    if (latents.dims[1] !== c) {
      throw new ArgumentError('latents', `has ${latents.dims[1]} channels (shape [${latents.dims.join(', ')}]); this DC-AE has latent_channels ${c}: expected [batch, ${c}, height, width]`);
    }
    if (latents.dims.some((d) => d === 0)) throw new ArgumentError('latents', `has an empty dimension (shape [${latents.dims.join(', ')}])`);
  }
}

/**
 * The DC-AE encoder on a backend.
 * @example
 * const enc = await DcAeEncoder.create(backend, config, store);
 * const z = await enc.encode(float32(pixels, [1, 3, 1024, 1024])); // [1, 32, 32, 32], raw (not scaled)
 */
export class DcAeEncoder extends DcAePart {
  static override readonly part = ENCODER;

  /** Image [B, 3, H, W] in [-1, 1], H and W multiples of the compression ratio (32) -> latents [B, c, H/32, W/32]. */
  async encode(image: Tensor): Promise<Tensor<'float32'>> {
    checkFloat4d('image', image);
    const [, c, h, w] = image.dims;
    if (c !== this.config.inChannels) throw new ArgumentError('image', `has ${c} channels (shape [${image.dims.join(', ')}]); expected ${this.config.inChannels}`);
    const r = compressionRatio(this.config);
    if (h % r !== 0 || w % r !== 0 || h === 0 || w === 0) {
      throw new ArgumentError('image', `is ${h}x${w} (height x width); both must be positive multiples of the compression ratio ${r} (e.g. ${Math.max(r, Math.round(h / r) * r)}x${Math.max(r, Math.round(w / r) * r)})`);
    }
    return this.runPart(image);
  }
}
