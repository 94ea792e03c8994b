// What the page's fixture run takes and reports; no imports, so the Node-side test can use the types too.

/** Where the page runs: 'auto' picks WebGPU when the browser has an adapter, else wasm. */
export type PageDevice = 'auto' | 'webgpu' | 'wasm';

export interface FixtureOptions {
  /** The checkpoint (default /models/sana/). */
  readonly modelUrl?: string;
  /** Where reference.json and reference.safetensors are (default /fixtures/). */
  readonly fixturesUrl?: string;
  readonly device?: PageDevice;
  /** Cache API cache name; null (default) downloads afresh. */
  readonly cacheName?: string | null;
}

export interface FixtureReport {
  readonly device: 'webgpu' | 'wasm';
  /** max |pixels - pipe.image| over the whole [B, 3, H, W] batch. */
  readonly maxAbsImage: number;
  /** max |latents after step i+1 - pipe.latents.<i+1>|. */
  readonly maxAbsLatents: number[];
  readonly pixelDims: readonly number[];
  /** The pixels as base64 of their float32 bytes (little-endian), for comparisons outside the page. */
  readonly pixelsBase64: string;
  readonly seconds: { load: number; generate: number; textEncoder: number; denoise: number; decode: number };
  readonly crossOriginIsolated: boolean;
  /** Where the pipeline's denoising loop ran ('device' on WebGPU: latents stay in GPU buffers between steps). */
  readonly denoiseLoop: 'device' | 'host';
}

declare global {
  interface Window {
    /** Test hook (set by main.ts): runs the reference fixture in the page and shows the result. */
    runFixture(o?: FixtureOptions): Promise<FixtureReport>;
    /** The report of a `?fixture=1` run, or its error message. */
    fixtureResult?: FixtureReport | { error: string };
  }
}

export {};
