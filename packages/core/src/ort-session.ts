// Wraps an onnxruntime (node or web) InferenceSession behind our Session, shared by both runtimes.
import type * as ortTypes from 'onnxruntime-common';
import { ArgumentError, BackendError } from './errors.js';
import type { DType } from './dtype.js';
import { tensor } from './cpu-tensor.js';
import type { Tensor } from './tensor.js';
import type { InputInfo, Session, SessionOptions } from './backend.js';

type Ort = { Tensor: typeof ortTypes.Tensor; InferenceSession: typeof ortTypes.InferenceSession };

/**
 * Copies a device tensor to the host. onnxruntime-web's `getData()` does; onnxruntime-node 1.30 gives its WebGPU
 * outputs no download function ("not implemented"), so the Node backend passes one that runs a copy session.
 */
export type DeviceDownload = (t: Tensor) => Promise<Tensor['data']>;

/** A tensor that lives in ORT device memory; `read()` downloads it, `dispose()` frees it. */
class OrtDeviceTensor implements Tensor {
  readonly location = 'gpu-buffer' as const;
  disposed = false;
  constructor(readonly ort: ortTypes.Tensor, private readonly download?: DeviceDownload) {}
  get dims() { return this.ort.dims; }
  get dtype() { return this.ort.type as DType; }
  get data(): never { throw new ArgumentError('tensor.data', 'this tensor is on the GPU; use `await t.read()`'); }
  read() {
    if (this.disposed) return Promise.reject(new ArgumentError('tensor', 'was disposed; its device memory is gone'));
    return (this.download ? this.download(this) : this.ort.getData()) as Promise<never>;
  }
  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.ort.dispose();
  }
}

/** Whether `t` is a device tensor that was disposed (feeding it would read freed memory). */
function isDisposed(t: Tensor): boolean {
  return t instanceof OrtDeviceTensor && t.disposed;
}

export function toOrt(ort: Ort, name: string, t: Tensor): ortTypes.Tensor {
  if (isDisposed(t)) throw new ArgumentError(name, 'is a device tensor that was disposed');
  if (t instanceof OrtDeviceTensor) return t.ort;
  if (t.location !== 'cpu') throw new ArgumentError(name, 'a GPU tensor from another runtime cannot be fed here');
  if (t.dtype === 'bfloat16') throw new ArgumentError(name, 'bfloat16 tensors cannot be fed to ONNX Runtime; convert to float32 or float16');
  return new ort.Tensor(t.dtype, t.data as never, [...t.dims]);
}

export function fromOrt(t: ortTypes.Tensor, download?: DeviceDownload): Tensor {
  if (t.location === 'cpu' || t.location === 'cpu-pinned') return tensor(t.type as DType, t.data as never, t.dims);
  return new OrtDeviceTensor(t, download);
}

/** Serializes calls: onnxruntime-web allows one session creation or run at a time per session. */
export class Queue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(fn, fn);
    this.tail = p.catch(() => undefined);
    return p;
  }
}

export function ortSessionOptions(options: SessionOptions, executionProviders: unknown[]): ortTypes.InferenceSession.SessionOptions {
  const o: Record<string, unknown> = { executionProviders, logSeverityLevel: 3, ...options.extra };
  if (options.threads) o.intraOpNumThreads = options.threads;
  if (options.graphOptimizationLevel) o.graphOptimizationLevel = options.graphOptimizationLevel;
  if (options.preferredOutputLocation) o.preferredOutputLocation = options.preferredOutputLocation;
  if (options.externalData) o.externalData = options.externalData;
  return o as ortTypes.InferenceSession.SessionOptions;
}

export class OrtSession implements Session {
  readonly inputs: InputInfo[];
  constructor(
    private readonly ort: Ort, private readonly s: ortTypes.InferenceSession, private readonly label: string,
    private readonly queue?: Queue, private readonly download?: DeviceDownload,
  ) {
    const meta = (s as { inputMetadata?: readonly ortTypes.InferenceSession.ValueMetadata[] }).inputMetadata;
    this.inputs = s.inputNames.map((name, i) => {
      const m = meta?.[i];
      return m && m.isTensor ? { name, dtype: m.type, dims: m.shape } : { name };
    });
  }
  get inputNames() { return this.s.inputNames; }
  get outputNames() { return this.s.outputNames; }

  async run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    this.checkFeeds(feeds);
    const ortFeeds: Record<string, ortTypes.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(this.ort, `${this.label}.${k}`, v);
    let out: ortTypes.InferenceSession.ReturnType;
    try {
      out = await (this.queue ? this.queue.run(() => this.s.run(ortFeeds)) : this.s.run(ortFeeds));
    } catch (e) {
      const shapes = Object.entries(feeds).map(([k, v]) => `${k}: ${v.dtype}[${v.dims.join(', ')}]`).join('; ');
      throw new BackendError(`${this.label}: ONNX Runtime failed to run with inputs ${shapes}: ${(e as Error).message}`, { cause: e });
    }
    const result: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(out)) result[k] = fromOrt(v as ortTypes.Tensor, this.download);
    return result;
  }

  /** Names, dtypes and ranks are checked here so a bad feed never surfaces as an ORT stack trace. */
  private checkFeeds(feeds: Readonly<Record<string, Tensor>>) {
    for (const k of Object.keys(feeds)) {
      if (!this.s.inputNames.includes(k)) throw new ArgumentError(`${this.label}.${k}`, `is not an input of this model; inputs are ${this.s.inputNames.join(', ')}`);
    }
    for (const info of this.inputs) {
      const t = feeds[info.name];
      if (!t) throw new ArgumentError(`${this.label}.${info.name}`, 'is a required input and was not given');
      if (info.dtype && t.dtype !== info.dtype) throw new ArgumentError(`${this.label}.${info.name}`, `has dtype ${t.dtype}; the model expects ${info.dtype}`);
      if (info.dims && info.dims.length && info.dims.length !== t.dims.length) {
        throw new ArgumentError(`${this.label}.${info.name}`, `has shape [${t.dims.join(', ')}]; the model expects rank ${info.dims.length} [${info.dims.join(', ')}]`);
      }
      info.dims?.forEach((d, i) => {
        if (typeof d === 'number' && d >= 0 && t.dims[i] !== d) {
          throw new ArgumentError(`${this.label}.${info.name}`, `has shape [${t.dims.join(', ')}]; dimension ${i} must be ${d}`);
        }
      });
    }
  }

  endProfiling() { this.s.endProfiling(); }

  release() { return this.s.release(); }
}

export async function createOrtSession(
  ort: Ort, model: Uint8Array | string, options: SessionOptions, eps: unknown[], queue?: Queue, download?: DeviceDownload,
): Promise<Session> {
  const label = options.label ?? (typeof model === 'string' ? model : 'model');
  try {
    const create = () => (typeof model === 'string'
      ? ort.InferenceSession.create(model, ortSessionOptions(options, eps))
      : ort.InferenceSession.create(model, ortSessionOptions(options, eps)));
    const s = await (queue ? queue.run(create) : create());
    return new OrtSession(ort, s, label, queue, download);
  } catch (e) {
    throw new BackendError(`${label}: ONNX Runtime could not create a session on ${JSON.stringify(eps)}: ${(e as Error).message}`, { cause: e });
  }
}
