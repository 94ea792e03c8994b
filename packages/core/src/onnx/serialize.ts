// Serializes a Graph to ONNX ModelProto bytes (onnx-proto / protobufjs), with optional external data.
import onnxProto from 'onnx-proto';
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { Graph, AttrValue, ValueSpec } from './graph.js';
import { ONNX_DTYPE } from './ops.js';

const { onnx } = onnxProto;
const AT = onnx.AttributeProto.AttributeType;

export interface SerializeOptions {
  /**
   * Name of the external data file. When set, initializers of at least `externalThreshold` bytes are
   * written to `externalData` chunks instead of the protobuf (required over 2 GB, the protobuf limit).
   */
  readonly externalDataName?: string;
  readonly externalThreshold?: number;
}

export interface SerializedModel {
  /** The ModelProto bytes. */
  readonly model: Uint8Array;
  /** The external data file, in order (empty without `externalDataName`). */
  readonly externalData: Uint8Array[];
  readonly externalDataBytes: number;
}

function tensorProto(name: string, t: Tensor, ext?: { location: string; offset: number }) {
  const d = t.data;
  const raw = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const base = { name, dims: [...t.dims], dataType: ONNX_DTYPE[t.dtype] };
  if (!ext) return onnx.TensorProto.create({ ...base, rawData: raw });
  return onnx.TensorProto.create({
    ...base,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: ext.location },
      { key: 'offset', value: String(ext.offset) },
      { key: 'length', value: String(raw.byteLength) },
    ],
  });
}

function attribute(name: string, v: AttrValue) {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new ArgumentError(`attribute ${name}`, 'non-integer numbers must be given as { float }');
    return { name, type: AT.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return { name, type: AT.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    return { name, type: AT.INTS, ints: v as number[] };
  }
  if ('float' in (v as object)) return { name, type: AT.FLOAT, f: (v as { float: number }).float };
  if ('floats' in (v as object)) return { name, type: AT.FLOATS, floats: [...(v as { floats: number[] }).floats] };
  return { name, type: AT.TENSOR, t: tensorProto(name, v as Tensor) };
}

function valueInfo(v: ValueSpec) {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[v.dtype],
        ...(v.dims ? { shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}),
      },
    },
  };
}

/** Encodes `g` as an ONNX model. */
export function serializeModel(g: Graph, options: SerializeOptions = {}): SerializedModel {
  const threshold = options.externalThreshold ?? 1024;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const initializer = [...g.initializers].map(([name, t]) => {
    const bytes = t.data.byteLength;
    if (!options.externalDataName || bytes < threshold) return tensorProto(name, t);
    const pad = (64 - (offset % 64)) % 64; // ORT memory-maps external data: keep tensors aligned
    if (pad) { chunks.push(new Uint8Array(pad)); offset += pad; }
    const p = tensorProto(name, t, { location: options.externalDataName, offset });
    chunks.push(new Uint8Array(t.data.buffer, t.data.byteOffset, bytes));
    offset += bytes;
    return p;
  });
  const opsetImport = [{ domain: '', version: g.opset }, ...[...g.domains].map(([domain, version]) => ({ domain, version }))];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'sana-ts',
    opsetImport,
    graph: {
      name: g.name,
      node: g.nodes.map((n) => ({
        name: n.name, opType: n.opType, domain: n.domain, input: [...n.inputs], output: [...n.outputs],
        attribute: Object.entries(n.attrs).map(([k, v]) => attribute(k, v)),
      })),
      initializer,
      input: g.inputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
    },
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  return { model: bytes, externalData: chunks, externalDataBytes: offset };
}
