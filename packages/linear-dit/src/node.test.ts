import { describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FormatError, SafetensorsFile, WeightError, createBackend, floatTensor, serializeSafetensors, tensor, type Tensor,
} from '@sana/core';
import { loadTransformer, openTransformer, readTransformerConfig } from './node.js';

const FIXTURES = process.env.SANA_FIXTURES ?? fileURLToPath(new URL('../../../fixtures/reference', import.meta.url));
const SPRINT = join(FIXTURES, 'sana-sprint/transformer');

/** A copy of a transformer folder whose checkpoint is edited. */
async function editedCopy(src: string, edit: (t: Record<string, Tensor>) => void): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dit-ckpt-'));
  await cp(join(src, 'config.json'), join(dir, 'config.json'));
  const f = await SafetensorsFile.fromBytes(await readFile(join(src, 'diffusion_pytorch_model.safetensors')));
  const t: Record<string, Tensor> = {};
  for (const k of f.keys()) t[k] = await f.get(k);
  edit(t);
  await writeFile(join(dir, 'diffusion_pytorch_model.safetensors'), serializeSafetensors(t));
  return dir;
}

describe('loading a transformer folder', () => {
  it('reads the Sana-Sprint checkpoint (guidance embedding, qk-norm) and runs it with a guidance input', async () => {
    const config = await readTransformerConfig(SPRINT);
    expect(config.guidanceEmbeds).toBe(true);
    expect(config.timestepScale).toBe(1000);
    const { model } = await loadTransformer(SPRINT);
    expect(model.externalData).toEqual([]);
    const dit = await openTransformer(await createBackend('cpu'), SPRINT, { session: { threads: 1 } });
    expect(dit.session.inputNames).toContain('guidance');
    const inputs = {
      hiddenStates: tensor('float32', new Float32Array(8 * 24).fill(0.3), [1, 8, 4, 6]),
      timestep: 1.3 * config.timestepScale,
      encoderHiddenStates: tensor('float32', new Float32Array(5 * 64).fill(0.2), [1, 5, 64]),
    };
    const a = (await dit.forward({ ...inputs, guidance: 4.5 * config.guidanceEmbedsScale })).data as Float32Array;
    const b = (await dit.forward({ ...inputs, guidance: 0 })).data as Float32Array;
    expect(a.every(Number.isFinite)).toBe(true);
    expect(a.some((v, i) => Math.abs(v - b[i]) > 1e-6)).toBe(true); // guidance reaches the output
    await dit.release();
  });

  it('refuses a checkpoint with a mis-shaped tensor, naming the key and both shapes', async () => {
    const dir = await editedCopy(SPRINT, (t) => { t['transformer_blocks.1.ff.conv_point.weight'] = floatTensor(new Float32Array(32 * 40), [32, 40, 1, 1]); });
    const p = loadTransformer(dir);
    await expect(p).rejects.toThrow(WeightError);
    await expect(loadTransformer(dir)).rejects.toThrow(/tensor "transformer_blocks.1.ff.conv_point.weight" has shape \[32, 40, 1, 1\]; the config needs \[32, 80, 1, 1\]/);
  });

  it('refuses a checkpoint with a missing tensor', async () => {
    const dir = await editedCopy(SPRINT, (t) => { delete t['time_embed.guidance_embedder.linear_1.bias']; });
    await expect(loadTransformer(dir)).rejects.toThrow('tensor "time_embed.guidance_embedder.linear_1.bias" is missing; the config needs shape [32]');
  });

  it('names the config file when it is missing or broken', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dit-cfg-'));
    await expect(readTransformerConfig(dir)).rejects.toThrow(FormatError);
    await expect(readTransformerConfig(dir)).rejects.toThrow(`${join(dir, 'config.json')}: cannot be read (ENOENT)`);
    await writeFile(join(dir, 'config.json'), '{"num_layers": ');
    await expect(readTransformerConfig(dir)).rejects.toThrow(/config.json: is not valid JSON/);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ num_layers: 0 }));
    await expect(readTransformerConfig(dir)).rejects.toThrow('config.json: field "num_layers" must be an integer >= 1; got 0');
  });
});
