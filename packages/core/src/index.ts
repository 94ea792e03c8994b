// @sana/core: the platform-neutral part (both entries re-export it).
export * from './errors.js';
export * from './dtype.js';
export type { Tensor, TensorLocation } from './tensor.js';
export { tensor, zeros, float32, int64 } from './cpu-tensor.js';
export * from './fp16.js';
export * from './byte-source.js';
export * from './safetensors.js';
export * from './sharded.js';
export * from './randn.js';
export * from './backend.js';
export { Graph, type Dim, type Value, type FloatType, type GraphOptions, type AttrValue, type NodeSpec, type ValueSpec } from './onnx/graph.js';
export * as ops from './onnx/ops.js';
export { ONNX_DTYPE } from './onnx/ops.js';
export { serializeModel, type SerializeOptions, type SerializedModel } from './onnx/serialize.js';
export * from './parity.js';
