// @sana/linear-dit for Node: the platform-neutral API plus loading a diffusers transformer folder from disk.
export * from './index.js';
export { readTransformerConfig, loadTransformerGraph, loadTransformer, openTransformer } from './node.js';
