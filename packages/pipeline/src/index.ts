// @sana/pipeline, platform-neutral part: pipelines over a typed record of components, image helpers.
export { SanaPipeline as SanaPipelineBase } from './sana-pipeline.js';
export { SanaSprintPipeline as SanaSprintPipelineBase, type SprintOptions } from './sana-sprint-pipeline.js';
export { loadComponents, openWeights, floatTypeOf, type SanaComponents, type LoadOptions, type LoadProgress, type DTypeOption, type DTypeName, type ComponentName } from './components.js';
export type { GenerateOptions, GenerateResult, GeneratedImage, StepInfo } from './generate-options.js';
export { withOutputsOnDevice, DEVICE_LOOPS, type DeviceLoop } from './device-loop.js';
export { buildStepGraph, type StepGraphShape } from './denoise-step-graph.js';
export { encodePng } from './png.js';
export { resizeAndCropTensor, denormalize, toRgba } from './image-resize.js';
export * from './resolution-bins.js';
export { checkRelativePath, readJson, type ModelSource } from './model-source.js';
