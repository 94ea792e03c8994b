// Resolution binning (the multi-aspect-ratio size bins Sana inherits from PixArt; diffusers `use_resolution_binning`).
//
// The tables are data copied verbatim from diffusers (huggingface/diffusers, pipelines/pixart_alpha and
// pipelines/sana): aspect ratio key (height / width, as a string) -> [height, width] in pixels. diffusers
// stores the sizes as Python floats; they are all whole numbers, so they are kept here as integers.
// Key order matters: `classifyHeightWidthBin` breaks exact ties in favour of the earlier key, like
// Python's `min` over the dict's insertion order, and JS keeps insertion order for these keys because
// none of them is an array-index string ("1.0" is not "1").
import { ArgumentError } from '@sana/core';

/** Aspect-ratio bin: ratio key (height / width, e.g. "0.57") -> [height, width] in pixels. */
export type AspectRatioBin = Readonly<Record<string, readonly [number, number]>>;

// Freezes the table and each [h, w] pair, so a shared preset cannot be edited by a caller.
function defineBin(table: Record<string, [number, number]>): AspectRatioBin {
  for (const hw of Object.values(table)) Object.freeze(hw);
  return Object.freeze(table);
}

/** The 512 px bin (diffusers `pipelines/pixart_alpha/pipeline_pixart_alpha.py`); Sana 512 px (`sample_size` 16). */
export const ASPECT_RATIO_512_BIN: AspectRatioBin = defineBin({
  '0.25': [256, 1024],
  '0.28': [256, 928],
  '0.32': [288, 896],
  '0.33': [288, 864],
  '0.35': [288, 832],
  '0.4': [320, 800],
  '0.42': [320, 768],
  '0.48': [352, 736],
  '0.5': [352, 704],
  '0.52': [352, 672],
  '0.57': [384, 672],
  '0.6': [384, 640],
  '0.68': [416, 608],
  '0.72': [416, 576],
  '0.78': [448, 576],
  '0.82': [448, 544],
  '0.88': [480, 544],
  '0.94': [480, 512],
  '1.0': [512, 512],
  '1.07': [512, 480],
  '1.13': [544, 480],
  '1.21': [544, 448],
  '1.29': [576, 448],
  '1.38': [576, 416],
  '1.46': [608, 416],
  '1.67': [640, 384],
  '1.75': [672, 384],
  '2.0': [704, 352],
  '2.09': [736, 352],
  '2.4': [768, 320],
  '2.5': [800, 320],
  '3.0': [864, 288],
  '4.0': [1024, 256],
});

/** The 1024 px bin (diffusers `pipelines/pixart_alpha/pipeline_pixart_alpha.py`); Sana and Sana-Sprint 1024 px (`sample_size` 32). */
export const ASPECT_RATIO_1024_BIN: AspectRatioBin = defineBin({
  '0.25': [512, 2048],
  '0.28': [512, 1856],
  '0.32': [576, 1792],
  '0.33': [576, 1728],
  '0.35': [576, 1664],
  '0.4': [640, 1600],
  '0.42': [640, 1536],
  '0.48': [704, 1472],
  '0.5': [704, 1408],
  '0.52': [704, 1344],
  '0.57': [768, 1344],
  '0.6': [768, 1280],
  '0.68': [832, 1216],
  '0.72': [832, 1152],
  '0.78': [896, 1152],
  '0.82': [896, 1088],
  '0.88': [960, 1088],
  '0.94': [960, 1024],
  '1.0': [1024, 1024],
  '1.07': [1024, 960],
  '1.13': [1088, 960],
  '1.21': [1088, 896],
  '1.29': [1152, 896],
  '1.38': [1152, 832],
  '1.46': [1216, 832],
  '1.67': [1280, 768],
  '1.75': [1344, 768],
  '2.0': [1408, 704],
  '2.09': [1472, 704],
  '2.4': [1536, 640],
  '2.5': [1600, 640],
  '3.0': [1728, 576],
  '4.0': [2048, 512],
});

/** The 2048 px bin (diffusers `pipelines/pixart_alpha/pipeline_pixart_sigma.py`); Sana 2K (`sample_size` 64). */
export const ASPECT_RATIO_2048_BIN: AspectRatioBin = defineBin({
  '0.25': [1024, 4096],
  '0.26': [1024, 3968],
  '0.27': [1024, 3840],
  '0.28': [1024, 3712],
  '0.32': [1152, 3584],
  '0.33': [1152, 3456],
  '0.35': [1152, 3328],
  '0.4': [1280, 3200],
  '0.42': [1280, 3072],
  '0.48': [1408, 2944],
  '0.5': [1408, 2816],
  '0.52': [1408, 2688],
  '0.57': [1536, 2688],
  '0.6': [1536, 2560],
  '0.68': [1664, 2432],
  '0.72': [1664, 2304],
  '0.78': [1792, 2304],
  '0.82': [1792, 2176],
  '0.88': [1920, 2176],
  '0.94': [1920, 2048],
  '1.0': [2048, 2048],
  '1.07': [2048, 1920],
  '1.13': [2176, 1920],
  '1.21': [2176, 1792],
  '1.29': [2304, 1792],
  '1.38': [2304, 1664],
  '1.46': [2432, 1664],
  '1.67': [2560, 1536],
  '1.75': [2688, 1536],
  '2.0': [2816, 1408],
  '2.09': [2944, 1408],
  '2.4': [3072, 1280],
  '2.5': [3200, 1280],
  '2.89': [3328, 1152],
  '3.0': [3456, 1152],
  '3.11': [3584, 1152],
  '3.62': [3712, 1024],
  '3.75': [3840, 1024],
  '3.88': [3968, 1024],
  '4.0': [4096, 1024],
});

/** The 4096 px bin (diffusers `pipelines/sana/pipeline_sana.py`); Sana 4K (`sample_size` 128). */
export const ASPECT_RATIO_4096_BIN: AspectRatioBin = defineBin({
  '0.25': [2048, 8192],
  '0.26': [2048, 7936],
  '0.27': [2048, 7680],
  '0.28': [2048, 7424],
  '0.32': [2304, 7168],
  '0.33': [2304, 6912],
  '0.35': [2304, 6656],
  '0.4': [2560, 6400],
  '0.42': [2560, 6144],
  '0.48': [2816, 5888],
  '0.5': [2816, 5632],
  '0.52': [2816, 5376],
  '0.57': [3072, 5376],
  '0.6': [3072, 5120],
  '0.68': [3328, 4864],
  '0.72': [3328, 4608],
  '0.78': [3584, 4608],
  '0.82': [3584, 4352],
  '0.88': [3840, 4352],
  '0.94': [3840, 4096],
  '1.0': [4096, 4096],
  '1.07': [4096, 3840],
  '1.13': [4352, 3840],
  '1.21': [4352, 3584],
  '1.29': [4608, 3584],
  '1.38': [4608, 3328],
  '1.46': [4864, 3328],
  '1.67': [5120, 3072],
  '1.75': [5376, 3072],
  '2.0': [5632, 2816],
  '2.09': [5888, 2816],
  '2.4': [6144, 2560],
  '2.5': [6400, 2560],
  '2.89': [6656, 2304],
  '3.0': [6912, 2304],
  '3.11': [7168, 2304],
  '3.62': [7424, 2048],
  '3.75': [7680, 2048],
  '3.88': [7936, 2048],
  '4.0': [8192, 2048],
});

/**
 * The bin diffusers' `SanaPipeline` uses for a transformer of the given `sample_size` (latent side
 * length): 128 -> 4096 px, 64 -> 2048 px, 32 -> 1024 px, 16 -> 512 px. Sana-Sprint accepts only 32.
 *
 * @throws ArgumentError naming `transformer.sample_size` for any other value (diffusers raises
 *   `ValueError("Invalid sample size")`).
 * @example
 * binForSampleSize(32)['1.0']; // [1024, 1024]
 */
export function binForSampleSize(sampleSize: number): AspectRatioBin {
  switch (sampleSize) {
    case 128:
      return ASPECT_RATIO_4096_BIN;
    case 64:
      return ASPECT_RATIO_2048_BIN;
    case 32:
      return ASPECT_RATIO_1024_BIN;
    case 16:
      return ASPECT_RATIO_512_BIN;
    default:
      throw new ArgumentError(
        'transformer.sample_size',
        `${String(sampleSize)} has no resolution bin; expected 16 (512 px), 32 (1024 px), 64 (2048 px) or 128 (4096 px)`,
      );
  }
}

/**
 * The binned [height, width] for a requested size, as diffusers
 * `PixArtImageProcessor.classify_height_width_bin`: ratio = height / width, pick the key with the
 * smallest |Number(key) - ratio| (the first key wins an exact tie), return that bin's [height, width].
 *
 * @throws ArgumentError naming `height` / `width` when either is not a positive finite number, and
 *   `bin` when the table is empty.
 * @example
 * classifyHeightWidthBin(720, 1280, ASPECT_RATIO_1024_BIN); // [768, 1344] (ratio 0.5625 -> "0.57")
 */
export function classifyHeightWidthBin(height: number, width: number, bin: AspectRatioBin): [number, number] {
  if (!Number.isFinite(height) || height <= 0) throw new ArgumentError('height', `must be a positive number, got ${String(height)}`);
  if (!Number.isFinite(width) || width <= 0) throw new ArgumentError('width', `must be a positive number, got ${String(width)}`);
  // Double-precision division and subtraction, exactly as Python's float(height / width) and abs(float(key) - ar).
  const ratio = height / width;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const key of Object.keys(bin)) {
    const distance = Math.abs(Number(key) - ratio);
    // Strict `<`: on an exact tie the earlier key stays, as Python's min() keeps the first minimum.
    if (distance < bestDistance) {
      best = key;
      bestDistance = distance;
    }
  }
  if (best === undefined) throw new ArgumentError('bin', 'the aspect-ratio table is empty');
  const [h, w] = bin[best];
  // Python int() truncates; the table values are whole numbers already.
  return [Math.trunc(h), Math.trunc(w)];
}
