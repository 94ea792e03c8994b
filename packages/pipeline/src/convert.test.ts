import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile, mkdir, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '@sana/core';
import { convertCheckpoint } from './convert.js';
import { loadComponents } from './components.js';
import { SanaPipeline, folderSource } from './index.node.js';
import type { ModelSource } from './model-source.js';
import { parseManifest } from './manifest.js';

const sana = fileURLToPath(new URL('../../../fixtures/reference/sana', import.meta.url));
const args = { prompt: 'a red circle', width: 64, height: 32, steps: 2, seed: 9, useResolutionBinning: false, maxSequenceLength: 16 };

describe('sana convert', () => {
  it('writes graphs + manifest that generate the same image as the diffusers folder', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'conv-')), 'model');
    const m = await convertCheckpoint(sana, out);
    expect(m.components.transformer.model).toBe('transformer/model.onnx');
    expect((await readdir(out)).sort()).toEqual(['manifest.json', 'model_index.json', 'scheduler', 'text_encoder', 'tokenizer', 'transformer', 'vae', 'vae_decoder']);
    const a = await (await SanaPipeline.fromPretrained(out)).generate(args);
    const b = await (await SanaPipeline.fromPretrained(sana)).generate(args);
    expect(a.pixels).toEqual(b.pixels);
  });

  it('reads each converted ONNX file once: the bytes checked for external data are the bytes the session gets', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'conv-')), 'model');
    await convertCheckpoint(sana, out);
    const src = await folderSource(out);
    const reads = new Map<string, number>();
    const counting: ModelSource = { ...src, readBytes: (rel) => { reads.set(rel, (reads.get(rel) ?? 0) + 1); return src.readBytes(rel); } };
    const parts = await loadComponents(counting, await createBackend('cpu'));
    expect([...reads].filter(([rel]) => rel.endsWith('.onnx'))).toEqual([['text_encoder/model.onnx', 1], ['transformer/model.onnx', 1], ['vae_decoder/model.onnx', 1]]);
    expect(parts.vae.session.outputNames).toEqual(['image']);
  });

  it('converts to fp16 graphs that stay close to fp32', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'conv-')), 'model');
    const m = await convertCheckpoint(sana, out, { dtype: 'fp16' });
    expect(m.components.transformer.floatType).toBe('float16');
    const a = await (await SanaPipeline.fromPretrained(out)).generate(args);
    const b = await (await SanaPipeline.fromPretrained(sana)).generate(args);
    const err = Math.max(...a.pixels.map((v, i) => Math.abs(v - b.pixels[i])));
    expect(err).toBeLessThan(0.05);
  });

  it('refuses a non-empty folder that is not a conversion, and leaves it as it was', async () => {
    const out = await mkdtemp(join(tmpdir(), 'conv-'));
    await writeFile(join(out, 'notes.txt'), 'mine');
    await expect(convertCheckpoint(sana, out)).rejects.toThrow(/is not empty and holds no manifest.json/);
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('leaves nothing behind when the source is broken', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'conv-'));
    await expect(convertCheckpoint(join(parent, 'nope'), join(parent, 'out'))).rejects.toThrow(/is not a folder/);
    // a bad transformerGraph is refused before the source is opened (here: before its absence is noticed)
    await expect(convertCheckpoint(join(parent, 'nope'), join(parent, 'out'), { transformerGraph: { mixFfn: 'dense' } as never }))
      .rejects.toThrow("transformerGraph.mixFfn: is \"dense\"; expected one of 'conv', 'matmul'");
    expect(await readdir(parent)).toEqual([]);
  });
});

describe('converted-model manifests', () => {
  const good = {
    format: 'sana-ts-onnx', version: 1, pipeline: 'SanaPipeline',
    components: Object.fromEntries(['text_encoder', 'transformer', 'vae_decoder'].map((c) => [c, { model: `${c}/model.onnx`, externalData: [], config: `${c}/config.json`, floatType: 'float32' }])),
    tokenizer: { tokenizer: 'tokenizer/tokenizer.json' }, scheduler: 'scheduler/scheduler_config.json',
  };
  it('accepts a well-formed manifest', () => {
    expect(parseManifest(good, 'm.json').pipeline).toBe('SanaPipeline');
  });
  it.each([
    ['../secret.onnx', 'leaves the model folder'],
    ['/etc/passwd', 'is absolute'],
    ['C:/x.onnx', 'is absolute'],
    ['https://evil.example/x.onnx', 'is absolute'],
    ['a\\..\\b', 'backslash'],
  ])('refuses the model path %s', (p, why) => {
    const bad = structuredClone(good) as typeof good;
    (bad.components.transformer as { model: string }).model = p;
    expect(() => parseManifest(bad, 'm.json')).toThrow(why);
  });
  it('refuses external data outside the folder and wrong field types', () => {
    const bad = structuredClone(good) as typeof good;
    (bad.components.vae_decoder as { externalData: string[] }).externalData = ['../../x.data'];
    expect(() => parseManifest(bad, 'm.json')).toThrow('components.vae_decoder.externalData[0]');
    expect(() => parseManifest({ ...good, version: 2 }, 'm.json')).toThrow('field "version" is 2');
    expect(() => parseManifest({ ...good, format: 'x' }, 'm.json')).toThrow('field "format"');
    expect(() => parseManifest({ ...good, components: { ...good.components, transformer: { ...good.components.transformer, floatType: 'int4' } } }, 'm.json')).toThrow('floatType');
  });

  it('refuses an ONNX file whose external data points outside the folder, and a symlink out of it', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'conv-')), 'model');
    await convertCheckpoint(sana, out);
    // An ONNX model naming ../outside.data for a tensor: built by hand through the serializer.
    const { Graph, ops, serializeModel } = await import('@sana/core');
    const g = new Graph('evil');
    const x = g.input('x', 'float32', [1, 512]);
    g.output(ops.matMul(g, x, g.weight('w', new Float32Array(512 * 512), [512, 512])), 'y');
    const m = serializeModel(g, { externalDataName: '../outside.data' });
    await writeFile(join(out, 'transformer', 'model.onnx'), m.model);
    await expect(SanaPipeline.fromPretrained(out)).rejects.toThrow(/tensor "w" keeps its data at "..\/outside.data", outside the model folder/);
    // A symlinked config that leaves the folder.
    const out2 = join(await mkdtemp(join(tmpdir(), 'conv-')), 'model');
    await convertCheckpoint(sana, out2);
    await mkdir(join(out2, 'x'));
    await symlink('/etc/hostname', join(out2, 'x', 'link.json'));
    const man = JSON.parse(await readFile(join(out2, 'manifest.json'), 'utf8'));
    man.scheduler = 'x/link.json';
    await writeFile(join(out2, 'manifest.json'), JSON.stringify(man));
    await expect(SanaPipeline.fromPretrained(out2)).rejects.toThrow(/resolves outside the model folder/);
  });
});
