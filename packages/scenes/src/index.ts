// @sana/scenes: procedural shape scenes with captions, and a GenEval-like evaluator (browser-safe, no dependencies).
export * from './vocabulary.js';
export { createRng, type Rng } from './rng.js';
export { CATEGORIES, parsePrompt, writeCaption, type Category, type ObjectSpec, type PromptSpec } from './caption.js';
export { sampleScene, TRAIN_CATEGORY_WEIGHTS, type CaptionedScene, type SampleOptions, type Scene, type SceneObject } from './scene.js';
export { renderScene, polygonSdf, type RgbaImage } from './render.js';
export { detectObjects, detectBackground, colorOfHue, shapeOf, convexHullArea, type Detection } from './segment.js';
export { evaluateImage, atPosition, inRelation, type Evaluation, type EvaluateOptions } from './evaluate.js';
export { evalPromptSet, EVAL_PLAN, EVAL_SEED_BASE, type EvalPrompt, type PromptSetOptions } from './prompt-set.js';
