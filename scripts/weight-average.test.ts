import { describe, expect, it } from 'vitest';
import { SafetensorsFile, WeightError, float16ToFloat32, floatTensor, serializeSafetensors, type Tensor } from '@sana/core';
import { averageWeights } from './weight-average.js';

const file = (name: string, tensors: Record<string, Tensor>) => SafetensorsFile.fromBytes(serializeSafetensors(tensors), name);

describe('averageWeights', () => {
  it('means each tensor in float32 and keeps its dtype', async () => {
    const a = await file('a.safetensors', { w: floatTensor(new Float32Array([1, 2, 3, 4]), [2, 2], 'float16'), b: floatTensor(new Float32Array([0.5]), [1]) });
    const b = await file('b.safetensors', { w: floatTensor(new Float32Array([3, 2, 1, 0]), [2, 2], 'float16'), b: floatTensor(new Float32Array([1.5]), [1]) });
    const c = await file('c.safetensors', { w: floatTensor(new Float32Array([2, 2, 2, 2]), [2, 2], 'float16'), b: floatTensor(new Float32Array([1]), [1]) });
    const m = await averageWeights([a, b, c]);
    expect(m.w.dtype).toBe('float16');
    expect(m.w.dims).toEqual([2, 2]);
    expect([...float16ToFloat32(m.w.data as Uint16Array)]).toEqual([2, 2, 2, 2]);
    expect(m.b.dtype).toBe('float32');
    expect([...(m.b.data as Float32Array)]).toEqual([1]);
    // the mean of one file is that file
    expect([...float16ToFloat32((await averageWeights([a])).w.data as Uint16Array)]).toEqual([1, 2, 3, 4]);
  });

  it('names the file and key that do not match', async () => {
    const a = await file('a.safetensors', { w: floatTensor(new Float32Array(4), [2, 2], 'float16') });
    await expect(averageWeights([a, await file('b.safetensors', { w: floatTensor(new Float32Array(4), [4], 'float16') })]))
      .rejects.toThrow(/b\.safetensors.*"?w"?.*\[4\].*expected float16 \[2, 2\]/);
    await expect(averageWeights([a, await file('c.safetensors', { v: floatTensor(new Float32Array(4), [2, 2], 'float16') })]))
      .rejects.toThrow(WeightError);
    await expect(averageWeights([a, await file('d.safetensors', { w: floatTensor(new Float32Array(4), [2, 2], 'float32') })]))
      .rejects.toThrow(/d\.safetensors.*float32.*expected float16/);
    await expect(averageWeights([])).rejects.toThrow(WeightError);
  });
});
