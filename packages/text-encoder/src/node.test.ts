import { describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError, FormatError, WeightError, int64 } from '@sana/core';
import { loadTextEncoder, loadTokenizer } from './node.js';

const SANA = fileURLToPath(new URL('../../../fixtures/reference/sana', import.meta.url));

/** A copy of the fixture's tokenizer/ and text_encoder/ to spoil. */
async function copyCheckpoint(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sana-te-test-'));
  await cp(join(SANA, 'tokenizer'), join(dir, 'tokenizer'), { recursive: true });
  await cp(join(SANA, 'text_encoder'), join(dir, 'text_encoder'), { recursive: true });
  return dir;
}

async function editJson(path: string, edit: (j: Record<string, unknown>) => void) {
  const j = JSON.parse(await readFile(path, 'utf8'));
  edit(j);
  await writeFile(path, JSON.stringify(j));
}

describe('loadTokenizer', () => {
  it('says which file is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sana-te-test-'));
    await expect(loadTokenizer(dir)).rejects.toThrow(FormatError);
    await expect(loadTokenizer(dir)).rejects.toThrow(`${join(dir, 'tokenizer.json')}: is missing`);
    await rm(dir, { recursive: true });
  });

  it('says when tokenizer.json is not JSON or not a tokenizer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sana-te-test-'));
    await writeFile(join(dir, 'tokenizer.json'), 'version https://git-lfs.github.com/spec/v1\noid sha256:abc');
    await expect(loadTokenizer(dir)).rejects.toThrow(/tokenizer\.json: is not valid JSON/);
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ architectures: ['Gemma2Model'] }));
    await expect(loadTokenizer(dir)).rejects.toThrow(/tokenizer\.json: is not a tokenizer/);
    await rm(dir, { recursive: true });
  });

  it('works without tokenizer_config.json (Gemma defaults: <bos>)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sana-te-test-'));
    await cp(join(SANA, 'tokenizer', 'tokenizer.json'), join(dir, 'tokenizer.json'));
    const tok = await loadTokenizer(dir);
    expect(tok.encodeIds('two')[0]).toBe(2);
    await rm(dir, { recursive: true });
  });
});

describe('loadTextEncoder', () => {
  it('refuses a tokenizer whose vocabulary does not fit the embedding, before reading weights', async () => {
    const dir = await copyCheckpoint();
    await editJson(join(dir, 'text_encoder', 'config.json'), (j) => { j.vocab_size = 300; });
    await expect(loadTextEncoder(dir)).rejects.toThrow(FormatError);
    await expect(loadTextEncoder(dir)).rejects.toThrow(/has 512 tokens but the text encoder's embedding \(embed_tokens\.weight, vocab_size\) has 300 rows/);
    await rm(dir, { recursive: true });
  });

  it('names the tensor whose shape does not match the config', async () => {
    const dir = await copyCheckpoint();
    await editJson(join(dir, 'text_encoder', 'config.json'), (j) => { j.vocab_size = 600; });
    await expect(loadTextEncoder(dir)).rejects.toThrow(WeightError);
    await expect(loadTextEncoder(dir)).rejects.toThrow(/"embed_tokens\.weight" has shape \[512, 64\], expected \[600, 64\]/);
    await rm(dir, { recursive: true });
  });

  it('encodes, and checks its inputs before ONNX Runtime sees them', async () => {
    const te = await loadTextEncoder(SANA);
    const out = await te.encode(int64([2, 300, 301], [1, 3]), int64([1, 1, 1], [1, 3]));
    expect(out.dims).toEqual([1, 3, 64]);
    await expect(te.encode(int64([2, 512], [1, 2]), int64([1, 1], [1, 2]))).rejects.toThrow(/token id 512 at 1, outside the embedding's 512 rows/);
    await expect(te.encode(int64([2, 3], [1, 2]), int64([1, 1, 1], [1, 3]))).rejects.toThrow(ArgumentError);
    await te.release();
  });

  it('encodePrompt: layout of CHI + prompt, negative prompt, and its argument errors', async () => {
    const te = await loadTextEncoder(SANA);
    const r = await te.encodePrompt({ prompts: ['A Red Circle ', 'x'], chi: ['Describe:', 'Prompt: '], maxSequenceLength: 8 });
    expect(r.embeds.dims).toEqual([2, 8, 64]);
    expect(r.negEmbeds!.dims).toEqual([2, 8, 64]);
    expect(Array.from(r.negMask!.data as BigInt64Array, Number)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    // Position 0 (<bos>) sees only itself, so it is the same with or without CHI.
    const plain = await te.encodePrompt({ prompts: ['a red circle'], chi: null, maxSequenceLength: 8, doCfg: false });
    expect(plain.negEmbeds).toBeUndefined();
    expect(Array.from((r.embeds.data as Float32Array).slice(0, 64))).toEqual(Array.from((plain.embeds.data as Float32Array).slice(0, 64)));
    await expect(te.encodePrompt({ prompts: [] })).rejects.toThrow(/prompts: is empty/);
    await expect(te.encodePrompt({ prompts: ['a', 'b'], negativePrompt: ['x'] })).rejects.toThrow(/negativePrompt: has 1 entries for 2 prompts/);
    await expect(te.encodePrompt({ prompts: ['a'], maxSequenceLength: 0 })).rejects.toThrow(/maxSequenceLength/);
    await te.release();
  });
});
