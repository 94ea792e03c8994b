// @sana/quant-int8: INT8 quantization of Sana's ONNX graphs (Sana paper, "On-Device Deployment"), platform neutral.
export { quantizeGraph, assertFloatGraph, type QuantizeOptions, type QuantizeReport, type QuantizedLayer, type QuantMode } from './quantize.js';
export {
  DEFAULT_KEEP_FLOAT, DIT_KEEP_FLOAT, VAE_KEEP_FLOAT, TEXT_ENCODER_KEEP_FLOAT, compilePattern, matchPattern,
  type NamePattern, type Component,
} from './policy.js';
export { findLinearSites, type LinearSite, type SkippedSite } from './linear-sites.js';
export { quantizePerChannel, quantizeBlockwise, QMAX, type PerChannelWeights, type BlockwiseWeights } from './weight-quant.js';
export { ACTIVATION_SCHEMES, activationScheme, type ActivationScheme } from './w8a8-cpu.js';
