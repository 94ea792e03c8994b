// The Backend / Session contract: create a session from ONNX bytes or a path, run it with named feeds.
import type { Tensor, TensorLocation } from './tensor.js';
import { choiceFieldProblem } from './errors.js';

export type Device = 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'wasm';
export const DEVICES: readonly Device[] = ['auto', 'cpu', 'cuda', 'webgpu', 'wasm'];

export interface SessionOptions {
  /** Intra-op threads (CPU EP). Default: ORT's choice (all cores). */
  readonly threads?: number;
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Where outputs stay: 'gpu-buffer' keeps them on the device, for feeding the next run (only where the backend
   * has `deviceResident`; elsewhere leave it unset). One location for every output, or one per output name.
   */
  readonly preferredOutputLocation?: TensorLocation | Readonly<Record<string, TensorLocation>>;
  /** External data files for models given as bytes: path as named in the model -> bytes or URL. */
  readonly externalData?: readonly { path: string; data: Uint8Array | string }[];
  /** Name used in error messages (e.g. 'transformer'). */
  readonly label?: string;
  /** Extra ORT session options, passed through as they are. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * Options of onnxruntime-node's WebGPU execution provider that configure its Dawn device. The device is shared by
 * every WebGPU session of the process and the first session's values win, so they are backend-wide. Measured on an
 * H200 (docs/performance.md): `storageBufferCacheMode: 'simple'` decoded 1024px with the DC-AE in 0.64x the time
 * and ran the Sana-600M forward in 0.95x; 'lazyRelease' was 1.7-7x slower; the validation modes changed nothing.
 */
export interface WebGpuOptions {
  readonly storageBufferCacheMode?: 'disabled' | 'lazyRelease' | 'simple' | 'bucket';
  readonly uniformBufferCacheMode?: 'disabled' | 'lazyRelease' | 'simple' | 'bucket';
  readonly queryResolveBufferCacheMode?: 'disabled' | 'lazyRelease' | 'simple' | 'bucket';
  readonly defaultBufferCacheMode?: 'disabled' | 'lazyRelease' | 'simple' | 'bucket';
  readonly validationMode?: 'disabled' | 'wgpuOnly' | 'basic' | 'full';
}

export interface BackendOptions {
  /** WebGPU EP device options (onnxruntime-node, device 'webgpu' only). */
  readonly webgpu?: WebGpuOptions;
}

const CACHE_MODES = ['disabled', 'lazyRelease', 'simple', 'bucket'];
const WEBGPU_CHOICES: Readonly<Record<keyof WebGpuOptions, readonly string[]>> = {
  storageBufferCacheMode: CACHE_MODES, uniformBufferCacheMode: CACHE_MODES, queryResolveBufferCacheMode: CACHE_MODES,
  defaultBufferCacheMode: CACHE_MODES, validationMode: ['disabled', 'wgpuOnly', 'basic', 'full'],
};

/**
 * The option fields of `webgpu` checked against what the EP takes; returns the problem (field and what was expected)
 * or undefined. The Node backend calls it on creation, so a typo fails before any session is made.
 */
export function webGpuOptionsProblem(webgpu: unknown): { field: string; message: string } | undefined {
  if (webgpu === undefined) return undefined;
  if (typeof webgpu !== 'object' || webgpu === null || Array.isArray(webgpu)) return { field: 'webgpu', message: `must be an object of WebGPU EP options, got ${JSON.stringify(webgpu)}` };
  return choiceFieldProblem('webgpu', webgpu, WEBGPU_CHOICES, 'a WebGPU EP option');
}

export interface InputInfo {
  readonly name: string;
  readonly dtype?: string;
  readonly dims?: readonly (number | string)[];
}

export interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputs: readonly InputInfo[];
  /** Runs the model. Feeds are checked against the model's inputs before ORT sees them. */
  run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  /** Ends ORT profiling (session option `extra: { enableProfiling: true, profileFilePrefix }`) and writes the JSON trace. */
  endProfiling(): void;
  release(): Promise<void>;
}

export interface Backend {
  readonly runtime: 'onnxruntime-node' | 'onnxruntime-web';
  /** The device the sessions run on (never 'auto'). */
  readonly device: Exclude<Device, 'auto'>;
  /** `model`: ONNX bytes, or (Node) a file path / (web) a URL. */
  createSession(model: Uint8Array | string, options?: SessionOptions): Promise<Session>;
  /**
   * True when sessions can keep outputs in device memory (`preferredOutputLocation: 'gpu-buffer'`) and take such
   * tensors back as feeds: onnxruntime-web and -node on 'webgpu'. Absent or false: every tensor is on the host.
   */
  readonly deviceResident?: boolean;
  /**
   * Copies a host tensor into device memory once, for feeding it to many runs (`location` 'gpu-buffer');
   * dispose of the result when done. Present only where `deviceResident`.
   * @example const embeds = backend.toDevice ? await backend.toDevice(hostEmbeds) : hostEmbeds;
   */
  toDevice?(t: Tensor): Promise<Tensor>;
}
