// Host <-> device copies for ORT backends that keep tensors in device memory (WebGPU), through tiny Identity sessions.
//
// Why sessions and not `Tensor.fromGpuBuffer`: the same code then serves onnxruntime-web and -node (where JS has
// no GPUDevice and WebGPU outputs have no download function), and ORT itself allocates and frees the buffers.
import type { Session, SessionOptions } from './backend.js';
import type { DType } from './dtype.js';
import { Graph } from './onnx/graph.js';
import { serializeModel } from './onnx/serialize.js';
import type { Tensor } from './tensor.js';

type Open = (model: Uint8Array, options: SessionOptions) => Promise<Session>;

/** `y = Identity(x)` for one dtype and rank (symbolic dims). */
function identityModel(dtype: DType, rank: number): Uint8Array {
  const g = new Graph(`copy_${dtype}_${rank}`);
  const dims = Array.from({ length: rank }, (_, i) => `d${i}`);
  const x = g.input('x', dtype, dims);
  g.output(g.node('Identity', [x]), 'y', dtype, dims);
  return serializeModel(g).model;
}

/**
 * Copies tensors onto and off the device of one backend. One Identity session per direction, dtype and rank,
 * made on first use; graph optimizations off so ORT keeps the copy node.
 * @example
 * const io = new DeviceIo((bytes, o) => createOrtSession(ort, bytes, o, ['webgpu']));
 * const onGpu = await io.upload(float32(x, [2, 3]));   // location 'gpu-buffer'
 * const back = await io.download(onGpu);               // Float32Array
 */
export class DeviceIo {
  private readonly sessions = new Map<string, Promise<Session>>();
  constructor(private readonly open: Open) {}

  private session(dir: 'up' | 'down', dtype: DType, rank: number): Promise<Session> {
    const key = `${dir}:${dtype}:${rank}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = this.open(identityModel(dtype, rank), {
        label: `device copy (${dir}, ${dtype}, rank ${rank})`,
        graphOptimizationLevel: 'disabled',
        ...(dir === 'up' ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
      });
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  /** A device copy of host tensor `t` (returned as is when it is already on the device). */
  async upload(t: Tensor): Promise<Tensor> {
    if (t.location !== 'cpu') return t;
    return (await (await this.session('up', t.dtype, t.dims.length)).run({ x: t })).y;
  }

  /** The host data of device tensor `t`. */
  async download(t: Tensor): Promise<Tensor['data']> {
    if (t.location === 'cpu') return t.data;
    return (await (await this.session('down', t.dtype, t.dims.length)).run({ x: t })).y.data;
  }
}
