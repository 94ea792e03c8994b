// @sana/dc-ae: DC-AE (diffusers AutoencoderDC) encoder and decoder as ONNX graphs; platform neutral (no fs).
export * from './config.js';
export { buildDecoderGraph, buildEncoderGraph, DC_AE_IO, type DcAeGraphOptions } from './graphs.js';
export { DcAeDecoder, DcAeEncoder, type DcAeSessionOptions } from './dc-ae.js';
export { decodeTiled, tileStarts, latentTiling, DEFAULT_TILE, type TileOptions } from './tiling.js';
export { loadPartWeights, parameterCount, randomDcAeWeights, weightSpec, MemoryWeights, type DcAePart } from './weights.js';
export { RMS_NORM_MODES, type WeightSpec, type RmsNormMode } from './layers.js';
