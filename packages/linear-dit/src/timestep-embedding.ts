// adaLN-single conditioning (Sana §2.1, after PixArt-α): sinusoidal timestep (and Sprint guidance) embedding, MLP, 6x modulation.
// Abbreviations: B = batch, D = inner dim, mw = the module's weights.
import { ops, type Graph, type Value } from '@sana/core';
import { innerDim } from './config.js';
import { loadModule, toFt, type BuildContext, type ModuleWeights } from './layers.js';

const PROJ_DIM = 256;
const HALF = PROJ_DIM / 2;

/**
 * The frequencies of diffusers `get_timestep_embedding(t, 256, flip_sin_to_cos=True, downscale_freq_shift=0)`,
 * computed as torch does in fp32: fround(-ln 10000) * i rounded to fp32, / 128, exp rounded to fp32.
 * @example timestepFrequencies()[0] // 1
 */
export function timestepFrequencies(): Float32Array {
  const f = new Float32Array(HALF);
  const negLog = Math.fround(-Math.log(10000));
  for (let i = 0; i < HALF; i++) f[i] = Math.fround(Math.exp(Math.fround(negLog * i) / HALF));
  return f;
}

/** [B] float32 timesteps -> [B, 256] float32 `[cos(t f) | sin(t f)]` (flip_sin_to_cos puts cos first). */
export function sinusoidalProjection(g: Graph, t: Value): Value {
  const freqs = g.float([...timestepFrequencies()], [1, HALF], 'float32');
  const arg = ops.mul(g, ops.unsqueeze(g, t, [1]), freqs); // [B, 128]
  return ops.concat(g, [ops.cos(g, arg), ops.sin(g, arg)], -1); // [B, 256]
}

/** diffusers `TimestepEmbedding` `<rel>`: linear_1, SiLU, linear_2, on the projection cast to the graph's type. */
function embedder(mw: ModuleWeights, proj: Value, rel: string, d: number): Value {
  const h = mw.linear(toFt(mw.g, proj), `${rel}.linear_1`, d, PROJ_DIM, true);
  return mw.linear(ops.silu(mw.g, h), `${rel}.linear_2`, d, d, true);
}

export interface TimeConditioning {
  /** [B, 6D]: shift/scale/gate for attention and feed-forward, before each block's `scale_shift_table`. */
  readonly modulation: Value;
  /** [B, D]: the embedded timestep, for the final modulated norm. */
  readonly embedded: Value;
}

/**
 * `AdaLayerNormSingle` (or, with `guidance_embeds`, `SanaCombinedTimestepGuidanceEmbeddings`):
 * emb = timestep_embedder(proj(t)) [+ guidance_embedder(proj(guidance))]; returns linear(silu(emb)) and emb.
 */
export async function timeConditioning(ctx: BuildContext, timestep: Value, guidance: Value | undefined): Promise<TimeConditioning> {
  const { g, config } = ctx;
  const d = innerDim(config);
  const mw = await loadModule(ctx, 'time_embed');
  return g.scope('time_embed', () => {
    let embedded: Value;
    if (config.guidanceEmbeds && guidance) {
      const te = embedder(mw, sinusoidalProjection(g, timestep), 'timestep_embedder', d);
      const ge = embedder(mw, sinusoidalProjection(g, guidance), 'guidance_embedder', d);
      embedded = ops.add(g, te, ge, 'conditioning');
    } else {
      embedded = embedder(mw, sinusoidalProjection(g, timestep), 'emb.timestep_embedder', d);
    }
    const modulation = mw.linear(ops.silu(g, embedded), 'linear', 6 * d, d, true);
    return { modulation, embedded };
  });
}
