// safetensors reader (lazy, per tensor, strict header checks) and writer.
import { FormatError, WeightError } from './errors.js';
import { DTYPE_BYTES, numel, viewAs, type DType } from './dtype.js';
import { bytesSource, type ByteSource } from './byte-source.js';
import { bfloat16ToFloat32, float16ToFloat32, float32ToFloat16 } from './fp16.js';
import { tensor } from './cpu-tensor.js';
import type { Tensor } from './tensor.js';

/** safetensors dtype names and ours. */
const ST_TO_DTYPE: Readonly<Record<string, DType>> = {
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', I64: 'int64', I32: 'int32', I8: 'int8', U8: 'uint8', BOOL: 'bool',
};
const DTYPE_TO_ST: Readonly<Record<DType, string>> = Object.fromEntries(
  Object.entries(ST_TO_DTYPE).map(([k, v]) => [v, k]),
) as Record<DType, string>;

/** Headers larger than this are refused before allocation (the format's own reference limit is 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo {
  readonly key: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Absolute byte offset in the file. */
  readonly offset: number;
  readonly byteLength: number;
}

/** What a component's weight loader reads from: one safetensors file or a sharded set. */
export interface WeightStore {
  readonly name: string;
  keys(): string[];
  has(key: string): boolean;
  info(key: string): TensorInfo;
  /** The tensor in its stored dtype. */
  get(key: string): Promise<Tensor>;
  /** The tensor widened to float32 (F16/BF16/F32 only). */
  getFloat32(key: string): Promise<Float32Array>;
}

/** Parses and validates a safetensors header (the JSON after the 8-byte length). */
export function parseSafetensorsHeader(json: string, dataSize: number, headerEnd: number, name: string) {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new FormatError(`header is not valid JSON (${(e as Error).message})`, name);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FormatError('header is not a JSON object', name);
  checkNoDuplicateKeys(json, name);
  const infos = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [key, v] of Object.entries(raw as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((s) => typeof s !== 'string')) {
        throw new FormatError('"__metadata__" must be an object of strings', name);
      }
      metadata = v as Record<string, string>;
      continue;
    }
    infos.set(key, parseEntry(key, v, dataSize, headerEnd, name));
  }
  // Byte ranges may not overlap (the format requires contiguous, non-overlapping buffers).
  const sorted = [...infos.values()].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (sorted[i].offset < prev.offset + prev.byteLength) {
      throw new FormatError(`tensors "${prev.key}" and "${sorted[i].key}" have overlapping data_offsets`, name);
    }
  }
  return { infos, metadata };
}

function parseEntry(key: string, v: unknown, dataSize: number, headerEnd: number, name: string): TensorInfo {
  const bad = (what: string) => new FormatError(`tensor "${key}": ${what}`, name);
  if (typeof v !== 'object' || v === null) throw bad('entry is not an object');
  const { dtype, shape, data_offsets } = v as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in ST_TO_DTYPE)) {
    throw bad(`unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(ST_TO_DTYPE).join(', ')}`);
  }
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw bad('shape must be a list of non-negative integers');
  if (!Array.isArray(data_offsets) || data_offsets.length !== 2 || data_offsets.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw bad('data_offsets must be two non-negative integers');
  }
  const [begin, end] = data_offsets as number[];
  const dt = ST_TO_DTYPE[dtype];
  const expected = numel(shape) * DTYPE_BYTES[dt];
  if (end < begin) throw bad(`data_offsets [${begin}, ${end}] end before they begin`);
  if (end - begin !== expected) throw bad(`data_offsets span ${end - begin} bytes but ${dtype} [${shape.join(', ')}] needs ${expected}`);
  if (end > dataSize) throw bad(`data_offsets end at ${end}, past the ${dataSize} bytes of data`);
  return { key, dtype: dt, shape: Object.freeze([...shape]), offset: headerEnd + begin, byteLength: expected };
}

/** JSON.parse keeps the last of duplicate keys silently; a checkpoint with two is ambiguous, so refuse it. */
function checkNoDuplicateKeys(json: string, name: string) {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (k < json.length && /\s/.test(json[k])) k++;
        if (json[k] === ':') {
          const key = JSON.parse(json.slice(i, j + 1)) as string;
          if (seen.has(key)) throw new FormatError(`header names tensor "${key}" twice`, name);
          seen.add(key);
        }
      }
      i = j;
    }
  }
}

/** One safetensors file, read lazily: the header on open, each tensor when asked for. */
export class SafetensorsFile implements WeightStore {
  private constructor(
    private readonly source: ByteSource,
    private readonly infos: Map<string, TensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {}

  get name() { return this.source.name; }

  static async open(source: ByteSource): Promise<SafetensorsFile> {
    const name = source.name;
    if (source.size < 8) throw new FormatError(`file is ${source.size} bytes, too short for a safetensors header`, name);
    const lenBytes = await source.read(0, 8);
    const headerLen = Number(new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true));
    if (headerLen > source.size - 8) throw new FormatError(`header length ${headerLen} is larger than the file (${source.size} bytes)`, name);
    if (headerLen > MAX_HEADER_BYTES) throw new FormatError(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`, name);
    const header = new TextDecoder('utf-8', { fatal: false }).decode(await source.read(8, headerLen));
    const { infos, metadata } = parseSafetensorsHeader(header, source.size - 8 - headerLen, 8 + headerLen, name);
    return new SafetensorsFile(source, infos, metadata);
  }

  /** Parses a whole file already in memory. */
  static fromBytes(bytes: Uint8Array, name = '<memory>'): Promise<SafetensorsFile> {
    return SafetensorsFile.open(bytesSource(bytes, name));
  }

  keys(): string[] { return [...this.infos.keys()]; }
  has(key: string): boolean { return this.infos.has(key); }

  info(key: string): TensorInfo {
    const i = this.infos.get(key);
    if (!i) throw new WeightError(key, 'is missing', this.name);
    return i;
  }

  async get(key: string): Promise<Tensor> {
    const i = this.info(key);
    const bytes = await this.source.read(i.offset, i.byteLength);
    return tensor(i.dtype, viewAs(i.dtype, bytes), i.shape);
  }

  async getFloat32(key: string): Promise<Float32Array> {
    return toFloat32(await this.get(key), key, this.name);
  }

  close(): Promise<void> { return this.source.close?.() ?? Promise.resolve(); }
}

/** Widens an F32/F16/BF16 tensor to a fresh Float32Array. */
export function toFloat32(t: Tensor, key = '<tensor>', file?: string): Float32Array {
  switch (t.dtype) {
    case 'float32': return Float32Array.from(t.data as Float32Array);
    case 'float16': return float16ToFloat32(t.data as Uint16Array);
    case 'bfloat16': return bfloat16ToFloat32(t.data as Uint16Array);
    default: throw new WeightError(key, `has dtype ${t.dtype}; expected a float type (F32, F16, BF16)`, file);
  }
}

/** Serializes tensors to safetensors bytes (8-byte aligned data, keys sorted like the reference writer). */
export function serializeSafetensors(tensors: Readonly<Record<string, Tensor>>, metadata?: Record<string, string>): Uint8Array {
  const keys = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const k of keys) {
    const t = tensors[k];
    const n = numel(t.dims) * DTYPE_BYTES[t.dtype];
    header[k] = { dtype: DTYPE_TO_ST[t.dtype], shape: t.dims, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const hb = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hb.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let pos = 8 + hb.length;
  for (const k of keys) {
    const d = tensors[k].data;
    const b = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    out.set(b, pos);
    pos += b.length;
  }
  return out;
}

/** Converts float32 data to the stored form of a float `dtype` (F32 or F16). */
export function floatTensor(data: Float32Array, dims: readonly number[], dtype: 'float32' | 'float16' = 'float32'): Tensor {
  return dtype === 'float16' ? tensor('float16', float32ToFloat16(data), dims) : tensor('float32', data, dims);
}
