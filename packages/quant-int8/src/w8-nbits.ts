// 8-bit weights through `com.microsoft` MatMulNBits (bits = 8): the INT8 form ORT's WebGPU EP runs (it also has
// a CPU kernel). Weight-only by default (activations stay float); accuracy_level 4 lets a kernel quantize
// the activations to int8 per block of K as well (ORT CPU: symmetric per token and block; WebGPU: DP4A paths).
// Abbreviations: K / N = in / out features, bs = block size along K.
import { ArgumentError, float32ToFloat16, tensor, type Value } from '@sana/core';
import { addInitializer, type GraphEditor } from './graph-editor.js';
import { rewriteSites, weightKN, type LinearSite } from './linear-sites.js';
import { MS_DOMAIN } from './w8a8-cpu.js';
import { quantizeBlockwise } from './weight-quant.js';

export interface NBitsOptions {
  /** Block size along K: a power of two >= 16 (default 128). */
  readonly blockSize?: number;
  /** MatMulNBits `accuracy_level`: 0 (default: float compute) ... 4 (int8 compute where the kernel has it). */
  readonly accuracyLevel?: number;
}

export function checkNBitsOptions(o: NBitsOptions): Required<NBitsOptions> {
  const blockSize = o.blockSize ?? 128;
  const accuracyLevel = o.accuracyLevel ?? 0;
  if (!Number.isInteger(blockSize) || blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) {
    throw new ArgumentError('blockSize', `is ${blockSize}; MatMulNBits needs a power of two >= 16 (e.g. 32, 64, 128)`);
  }
  if (![0, 1, 2, 3, 4].includes(accuracyLevel)) throw new ArgumentError('accuracyLevel', `is ${accuracyLevel}; expected 0, 1, 2, 3 or 4`);
  return { blockSize, accuracyLevel };
}

/**
 * Rewrites every site into one MatMulNBits (conv sites between NHWC Transposes), scales in the graph's float
 * type, the bias folded in. Returns the float weights and biases no longer read.
 */
export function rewriteNBits(ed: GraphEditor, sites: readonly LinearSite[], options: NBitsOptions): Value[] {
  const { g } = ed;
  const { blockSize, accuracyLevel } = checkNBitsOptions(options);
  const half = g.floatType === 'float16';
  return rewriteSites(ed, sites, (site, { x, nodes, base, outputName }) => {
    const w = quantizeBlockwise(weightKN(g, site), site.k, site.n, blockSize);
    const b = addInitializer(g, `${site.key}.weight_q8`, tensor('uint8', w.packed, [site.n, w.kBlocks, blockSize]));
    const s = addInitializer(g, `${site.key}.weight_scales`, half ? tensor('float16', float32ToFloat16(w.scales), [w.scales.length]) : tensor('float32', w.scales, [w.scales.length]));
    const inputs = [x, b, s];
    if (site.bias) inputs.push('', '', site.bias); // zero_points, g_idx omitted
    return ed.emit(nodes, 'MatMulNBits', inputs, { K: site.k, N: site.n, bits: 8, block_size: blockSize, accuracy_level: accuracyLevel }, {
      name: `${base}_q8`, domain: MS_DOMAIN, outputName,
    })[0];
  });
}
