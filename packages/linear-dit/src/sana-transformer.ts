// The Linear DiT as one ONNX graph (Sana §2, diffusers SanaTransformer2DModel): symbolic batch, size and text length.
// Abbreviations: B = batch, C = latent channels, N = tokens, L = text tokens, D = inner dim.
import { Graph, ops, type FloatType, type WeightStore } from '@sana/core';
import { innerDim, validateConfig, type SanaTransformerConfig } from './config.js';
import { captionProjection } from './caption-projection.js';
import { maskBias, mhaBias } from './cross-attention.js';
import { resolveDitVariant, type DitGraphVariant } from './graph-variant.js';
import { attentionPrecision, chunk, layerNormPlain, loadModule, modulate, type BuildContext } from './layers.js';
import { headMasks } from './linear-attention.js';
import { patchEmbed, unpatchify } from './patch-embed.js';
import { sanaBlock } from './sana-block.js';
import { timeConditioning } from './timestep-embedding.js';
import { checkWeights, expectedWeights } from './weights.js';

export interface BuildTransformerOptions {
  /**
   * 'float32' (default) or 'float16': fp16 weights and activations, with the reference's fp32 parts kept fp32
   * (timestep sinusoids, RMSNorm statistics, GELU, the linear-attention state and division, cross-attention softmax).
   */
  readonly floatType?: FloatType;
  /** Graph name (default 'transformer'); it appears in error messages. */
  readonly name?: string;
  /** Layout / fused-op / precision variant (graph-variant.ts); default: the reference layout. */
  readonly variant?: DitGraphVariant;
}

/** The graph's input and output names. */
export const TRANSFORMER_IO = {
  hiddenStates: 'hidden_states',
  timestep: 'timestep',
  encoderHiddenStates: 'encoder_hidden_states',
  encoderAttentionMask: 'encoder_attention_mask',
  guidance: 'guidance',
  sample: 'sample',
} as const;

/**
 * Builds the transformer graph from a config and a checkpoint (a safetensors `WeightStore` or `RandomWeights`).
 * The checkpoint is checked strictly first: a missing, extra or mis-shaped tensor throws `WeightError` naming the key.
 *
 * Inputs (names in `TRANSFORMER_IO`):
 * - `hidden_states` [batch, C, height, width], the graph's float type; height and width multiples of patch_size
 * - `timestep` [batch] float32 (as the model's forward takes it: the pipeline applies `timestep_scale`)
 * - `encoder_hidden_states` [batch, text_len, caption_channels], the graph's float type
 * - `encoder_attention_mask` [batch, text_len] float32, 1 = token, 0 = padding (all ones for no mask)
 * - `guidance` [batch] float32, only when `guidance_embeds` (already times `guidance_embeds_scale`)
 *
 * Output `sample` [batch, out_channels, height, width] in the graph's float type.
 * @example
 * const g = await buildTransformerGraph(config, await openComponentWeights(dir, 'diffusion_pytorch_model'));
 * const session = await backend.createSession(serializeModel(g).model);
 */
export async function buildTransformerGraph(config: SanaTransformerConfig, weights: WeightStore, options: BuildTransformerOptions = {}): Promise<Graph> {
  validateConfig(config);
  const variant = resolveDitVariant(options.variant);
  checkWeights(config, weights);
  const c = config;
  const d = innerDim(c);
  const g = new Graph(options.name ?? 'transformer', { floatType: options.floatType ?? 'float32' });
  const ft = g.floatType;
  const io = TRANSFORMER_IO;
  const x = g.input(io.hiddenStates, ft, ['batch', c.inChannels, 'height', 'width']);
  const t = g.input(io.timestep, 'float32', ['batch']);
  const textIn = g.input(io.encoderHiddenStates, ft, ['batch', 'text_len', c.captionChannels]);
  const mask = g.input(io.encoderAttentionMask, 'float32', ['batch', 'text_len']);
  const guidance = c.guidanceEmbeds ? g.input(io.guidance, 'float32', ['batch']) : undefined;

  const ctx: BuildContext = { g, config: c, keys: [...expectedWeights(c).keys()], weight: (k) => weights.getFloat32(k) };
  const { tokens, grid } = await patchEmbed(ctx, x);
  const time = await timeConditioning(ctx, t, guidance);
  const text = await captionProjection(ctx, textIn);
  const textBias = maskBias(g, mask);
  const modulation = ops.reshape(g, time.modulation, [0, 6, d], 'modulation_6'); // [B, 6D] -> [B, 6, D]
  // Values the variants share between blocks: built once here, not once per block.
  const attnType = attentionPrecision(g, variant.attentionPrecision === 'fp32').type;
  const crossBias = variant.crossAttention === 'mha' ? mhaBias(g, textBias, tokens, attnType)
    : attnType === 'float32' ? textBias : ops.cast(g, textBias, attnType);
  const shared = {
    variant,
    headMasks: variant.linearAttention === 'block-diagonal' ? headMasks(g, c.numAttentionHeads, c.attentionHeadDim, attnType) : undefined,
  };

  let h = tokens;
  for (let i = 0; i < c.numLayers; i++) {
    const prefix = `transformer_blocks.${i}`;
    const mw = await loadModule(ctx, prefix);
    const hin = h;
    h = g.scope(prefix, () => sanaBlock(mw, hin, { modulation, text, textBias: crossBias, grid, ...shared }, c));
  }

  const mw = await loadModule(ctx, '', ['scale_shift_table', 'proj_out.weight', 'proj_out.bias']);
  const out = g.scope('norm_out', () => {
    // SanaModulatedNorm: shift, scale = (scale_shift_table[None] + emb[:, None]).chunk(2, dim=1)
    const table = mw.tensor('scale_shift_table', [2, d]);
    const [shift, scale] = chunk(g, ops.add(g, table, ops.unsqueeze(g, time.embedded, [1])), 2, 1, 1); // [B, 1, D] each
    const y = modulate(g, layerNormPlain(g, h, d, 1e-6), shift, scale);
    const proj = mw.linear(y, 'proj_out', c.patchSize * c.patchSize * c.outChannels, d, true); // [B, N, p*p*C]
    return unpatchify(g, proj, grid, c.patchSize);
  });
  g.output(out, io.sample, ft, ['batch', c.outChannels, 'height', 'width']);
  return g;
}
