// Latents -> pixels: VAE scaling, DC-AE decode (tiled above 2048px), resize back from the bin, RGBA.
import { float32 } from '@sana/core';
import type { SanaComponents } from './components.js';
import type { GeneratedImage } from './generate-options.js';
import { denormalize, resizeAndCropTensor, toRgba } from './image-resize.js';

/** Decodes one batch of latents [B, C, h, w]; the output is [B, 3, H, W] in [0, 1] at (width, height). */
export async function decodeLatents(
  parts: SanaComponents, latents: Float32Array, dims: readonly number[], width: number, height: number,
): Promise<{ pixels: Float32Array; pixelDims: [number, number, number, number]; images: GeneratedImage[] }> {
  const sf = Math.fround(parts.vaeConfig.scalingFactor);
  const scaled = latents.map((v) => v / sf);
  const z = float32(scaled, dims);
  // Above 2048px the decoder's activations outgrow a CPU's or a browser's memory: decode in tiles.
  const big = dims[2] * dims[3] > 64 * 64;
  const out = big ? await parts.vae.decodeTiled(z) : await parts.vae.decode(z);
  let image = (await out.read()) as Float32Array;
  let imgDims = out.dims as unknown as [number, number, number, number];
  if (imgDims[2] !== height || imgDims[3] !== width) {
    const r = resizeAndCropTensor(image, imgDims, width, height);
    image = r.data;
    imgDims = [...r.dims] as [number, number, number, number];
  }
  const pixels = denormalize(image);
  const images = toRgba(pixels, imgDims).map((rgba) => ({ width: imgDims[3], height: imgDims[2], rgba }));
  return { pixels, pixelDims: imgDims, images };
}
