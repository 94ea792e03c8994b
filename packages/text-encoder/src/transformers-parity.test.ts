// This package against transformers 5.17 itself (test-data/transformers-5.17.safetensors, made by
// test-data/make-transformers-outputs.py from the fixture checkpoint): last hidden states and prompt embeddings.
import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { compareArrays, int64, openFixture, openSafetensors } from '@sana/core';
import { loadTextEncoder } from './node.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/reference', import.meta.url));
const HF = fileURLToPath(new URL('../test-data/transformers-5.17.safetensors', import.meta.url));

describe('parity with transformers 5.17 Gemma2Model on the fixture checkpoint', async () => {
  const fx = await openFixture(FIXTURES);
  const hf = await openSafetensors(HF);
  const ids = async (k: string) => int64(await fx.tensors.getFloat32(k), fx.tensors.info(k).shape);
  const nums = (d: unknown) => Array.from(d as BigInt64Array, Number);
  afterAll(async () => {
    for (const s of [hf, fx.tensors]) await (s as { close?: () => Promise<void> }).close?.();
  });

  it.each(['te', 'te.long'])('%s.last_hidden_state within 1e-5 relmax', async (k) => {
    const te = await loadTextEncoder(fx.path('sana'));
    const out = await te.encode(await ids(`${k}.input_ids`), await ids(`${k}.attention_mask`));
    expect(compareArrays(out.data as Float32Array, await hf.getFloat32(`${k}.last_hidden_state`), 'relmax')).toBeLessThan(1e-5);
    await te.release();
  });

  it('encodePrompt with and without CHI: embeddings within 1e-5, masks exact', async () => {
    const te = await loadTextEncoder(fx.path('sana'));
    const J = fx.json;
    const r = await te.encodePrompt({ prompts: J.prompts, negativePrompt: J.pipeline.negative_prompt, chi: J.complex_human_instruction, maxSequenceLength: J.max_sequence_length });
    const n = await te.encodePrompt({ prompts: J.prompts, chi: null, maxSequenceLength: J.max_sequence_length, doCfg: false });
    const rel = async (got: unknown, key: string) => compareArrays(got as Float32Array, await hf.getFloat32(key), 'relmax');
    expect(await rel(r.embeds.data, 'prompt.embeds')).toBeLessThan(1e-5);
    expect(await rel(r.negEmbeds!.data, 'prompt.neg_embeds')).toBeLessThan(1e-5);
    expect(await rel(n.embeds.data, 'prompt.nochi.embeds')).toBeLessThan(1e-5);
    expect(nums(r.mask.data)).toEqual(Array.from(await hf.getFloat32('prompt.mask')));
    expect(nums(r.negMask!.data)).toEqual(Array.from(await hf.getFloat32('prompt.neg_mask')));
    expect(nums(n.mask.data)).toEqual(Array.from(await hf.getFloat32('prompt.nochi.mask')));
    await te.release();
  });
});
