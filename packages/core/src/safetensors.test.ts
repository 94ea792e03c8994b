import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile, serializeSafetensors } from './safetensors.js';
import { float32, tensor } from './cpu-tensor.js';
import { FormatError, WeightError } from './errors.js';
import { openSafetensors, openComponentWeights } from './node-files.js';

/** A file with a hand-written header, for corrupt cases. */
function withHeader(header: unknown, dataBytes = 0, rawHeader?: string): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('safetensors', () => {
  const bytes = serializeSafetensors({
    'a.weight': float32([1, 2, 3, 4, 5, 6], [2, 3]),
    'b.half': tensor('float16', new Uint16Array([0x3c00, 0xc000]), [2]),
    'c.ids': tensor('int64', new BigInt64Array([7n, -1n]), [2]),
  }, { format: 'pt' });

  it('round-trips tensors, dtypes and metadata', async () => {
    const f = await SafetensorsFile.fromBytes(bytes);
    expect(f.keys().sort()).toEqual(['a.weight', 'b.half', 'c.ids']);
    expect(f.info('a.weight').shape).toEqual([2, 3]);
    expect([...(await f.getFloat32('a.weight'))]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...(await f.getFloat32('b.half'))]).toEqual([1, -2]);
    expect([...((await f.get('c.ids')).data as BigInt64Array)]).toEqual([7n, -1n]);
    expect(f.metadata).toEqual({ format: 'pt' });
  });

  it('reads lazily from a file on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-'));
    await writeFile(join(dir, 'model.safetensors'), bytes);
    const f = await openComponentWeights(dir, 'model');
    expect([...(await f.getFloat32('a.weight'))]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('opens sharded checkpoints through the index', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-'));
    await writeFile(join(dir, 'm-1.safetensors'), serializeSafetensors({ x: float32([1], [1]) }));
    await writeFile(join(dir, 'm-2.safetensors'), serializeSafetensors({ y: float32([2], [1]) }));
    await writeFile(join(dir, 'm.safetensors.index.json'), JSON.stringify({ weight_map: { x: 'm-1.safetensors', y: 'm-2.safetensors' } }));
    const w = await openComponentWeights(dir, 'm');
    expect([...(await w.getFloat32('y'))]).toEqual([2]);
    await writeFile(join(dir, 'bad.safetensors.index.json'), JSON.stringify({ weight_map: { x: '../m-1.safetensors' } }));
    await expect(openSafetensors(join(dir, 'bad.safetensors.index.json'))).rejects.toThrow(/expected a \.safetensors file in the same folder/);
    await writeFile(join(dir, 'gone.safetensors.index.json'), JSON.stringify({ weight_map: { x: 'nope.safetensors' } }));
    await expect(openSafetensors(join(dir, 'gone.safetensors.index.json'))).rejects.toThrow(/shard "nope.safetensors" could not be opened/);
  });

  it('names a missing tensor', async () => {
    const f = await SafetensorsFile.fromBytes(bytes, 'ckpt.safetensors');
    await expect(f.get('nope')).rejects.toThrow(WeightError);
    await expect(f.get('nope')).rejects.toThrow('ckpt.safetensors: tensor "nope" is missing');
  });

  it('refuses a truncated file', async () => {
    await expect(SafetensorsFile.fromBytes(bytes.subarray(0, 5), 't.st')).rejects.toThrow(/too short/);
    await expect(SafetensorsFile.fromBytes(bytes.subarray(0, 40), 't.st')).rejects.toThrow(/header length \d+ is larger than the file/);
    await expect(SafetensorsFile.fromBytes(bytes.subarray(0, bytes.length - 4), 't.st')).rejects.toThrow(/past the \d+ bytes of data/);
  });

  it('refuses an absurd header length without allocating it', async () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, 2n ** 60n, true);
    await expect(SafetensorsFile.fromBytes(b)).rejects.toThrow(FormatError);
  });

  it('refuses corrupt headers', async () => {
    await expect(SafetensorsFile.fromBytes(withHeader(null, 0, '{not json'))).rejects.toThrow(/not valid JSON/);
    await expect(SafetensorsFile.fromBytes(withHeader([1, 2]))).rejects.toThrow(/not a JSON object/);
    await expect(SafetensorsFile.fromBytes(withHeader({ x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, 8))).rejects.toThrow(/unknown dtype "F64"/);
    await expect(SafetensorsFile.fromBytes(withHeader({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 8))).rejects.toThrow(/span 4 bytes but F32 \[2\] needs 8/);
    await expect(SafetensorsFile.fromBytes(withHeader({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 8))).rejects.toThrow(/shape/);
    await expect(SafetensorsFile.fromBytes(withHeader({
      x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    }, 12))).rejects.toThrow(/overlapping/);
    await expect(SafetensorsFile.fromBytes(withHeader(null, 8,
      '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'))).rejects.toThrow(/names tensor "x" twice/);
    await expect(SafetensorsFile.fromBytes(withHeader({ __metadata__: { a: 1 } }))).rejects.toThrow(/__metadata__/);
  });

  it('names an unreadable file', async () => {
    await expect(openSafetensors('/nonexistent/x.safetensors')).rejects.toThrow(/\/nonexistent\/x.safetensors: cannot be opened \(ENOENT\)/);
  });
});
