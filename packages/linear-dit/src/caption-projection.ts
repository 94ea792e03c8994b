// Caption projection and caption RMSNorm (Sana §2.1 text conditioning; diffusers PixArtAlphaTextProjection + caption_norm).
// Abbreviations: B = batch, L = text tokens, D = inner dim.
import type { Value } from '@sana/core';
import { innerDim } from './config.js';
import { geluTanh32, loadModule, rmsNormWeighted, type BuildContext } from './layers.js';

/**
 * Gemma-2 hidden states [B, L, caption_channels] -> [B, L, D]: linear_1, GELU (tanh), linear_2, then RMSNorm
 * (eps 1e-5, with weight), which Sana adds to keep the large-magnitude Gemma features stable.
 */
export async function captionProjection(ctx: BuildContext, text: Value): Promise<Value> {
  const { g, config: c } = ctx;
  const d = innerDim(c);
  const mw = await loadModule(ctx, '', ctx.keys.filter((k) => k.startsWith('caption_projection.') || k.startsWith('caption_norm.')));
  return g.scope('caption', () => {
    const h = mw.linear(text, 'caption_projection.linear_1', d, c.captionChannels, true);
    const y = mw.linear(geluTanh32(g, h), 'caption_projection.linear_2', d, d, true);
    return rmsNormWeighted(mw, y, 'caption_norm', d, 1e-5);
  });
}
