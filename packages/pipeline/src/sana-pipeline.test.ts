import { describe, expect, it, beforeAll } from 'vitest';
import { cp, mkdtemp, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError, createBackend, serializeModel } from '@sana/core';
import { SanaPipeline, SanaSprintPipeline, DownloadError, folderSource, loadComponents } from './index.node.js';
import { runGenerate } from './cli-generate.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/reference', import.meta.url));
const sana = join(fixtures, 'sana');

describe('SanaPipeline', () => {
  let pipe: SanaPipeline;
  beforeAll(async () => { pipe = await SanaPipeline.fromPretrained(sana, { threads: 1 }); });

  it('generates an image of the asked size (binning off) with a step callback', async () => {
    const seen: number[] = [];
    const r = await pipe.generate({ prompt: 'a red circle', width: 96, height: 64, steps: 2, seed: 3, useResolutionBinning: false, maxSequenceLength: 16, onStep: (s) => { seen.push(s.step); } });
    expect(seen).toEqual([0, 1]);
    expect(r.images).toHaveLength(1);
    expect([r.images[0].width, r.images[0].height]).toEqual([96, 64]);
    expect(r.images[0].rgba.length).toBe(96 * 64 * 4);
    expect(Math.min(...r.pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...r.pixels)).toBeLessThanOrEqual(1);
  });

  it('is deterministic per seed and differs across seeds', async () => {
    const o = { prompt: 'two green squares', width: 64, height: 64, steps: 1, useResolutionBinning: false, maxSequenceLength: 16 };
    const a = await pipe.generate({ ...o, seed: 1 });
    const b = await pipe.generate({ ...o, seed: 1 });
    const c = await pipe.generate({ ...o, seed: 2 });
    expect(b.pixels).toEqual(a.pixels);
    expect(c.pixels).not.toEqual(a.pixels);
  });

  it('bins the size and resizes back', async () => {
    // sample_size 32: the 1024 bin; 100x60 maps to a bin entry, then is resized back to 100x60.
    const r = await pipe.generate({ prompt: 'a cat', width: 100, height: 60, steps: 1, maxSequenceLength: 16 });
    expect([r.images[0].width, r.images[0].height]).toEqual([100, 60]);
  });

  it('batches prompts and images per prompt', async () => {
    const r = await pipe.generate({ prompt: ['a', 'b'], numImagesPerPrompt: 2, width: 32, height: 32, steps: 1, useResolutionBinning: false, maxSequenceLength: 16 });
    expect(r.images).toHaveLength(4);
    expect(r.pixelDims).toEqual([4, 3, 32, 32]);
  });

  it('refuses bad arguments with the option named', async () => {
    const base = { prompt: 'x', steps: 1, maxSequenceLength: 16 };
    await expect(pipe.generate({ ...base, prompt: '' })).rejects.toThrow('prompt: is an empty string');
    await expect(pipe.generate({ ...base, prompt: [] })).rejects.toThrow('prompt: is empty');
    await expect(pipe.generate({ ...base, steps: 0 })).rejects.toThrow('steps: must be an integer >= 1, got 0');
    await expect(pipe.generate({ ...base, width: 100, height: 64, useResolutionBinning: false })).rejects.toThrow('width: is 100; with useResolutionBinning off it must be a multiple of 32');
    await expect(pipe.generate({ ...base, numImagesPerPrompt: 0 })).rejects.toThrow(ArgumentError);
    await expect(pipe.generate({ ...base, latents: new Float32Array(3), width: 32, height: 32, useResolutionBinning: false })).rejects.toThrow(/latents: has 3 values/);
  });

  it('transformerGraph: the transformer is built in the asked layout and draws the same image; a bad field is named before any weight is read', async () => {
    const ops: string[] = [];
    const parts = await loadComponents(await folderSource(sana), await createBackend('cpu'), {
      transformerGraph: { mixFfn: 'matmul', crossAttention: 'mha' },
      openSession: (b, g, label) => {
        if (label === 'transformer') ops.push(...g.nodes.map((n) => n.opType));
        return b.createSession(serializeModel(g).model, { label, threads: 1 });
      },
    });
    expect(ops).toContain('MultiHeadAttention'); // cross-attention as one fused node
    expect(ops.filter((op) => op === 'Conv')).toHaveLength(3); // the patch embedding + per block only the 3x3 depth-wise conv (2 blocks; 7 by default)
    const other = new SanaPipeline(parts);
    const o = { prompt: 'a red circle', width: 64, height: 64, steps: 2, seed: 5, useResolutionBinning: false, maxSequenceLength: 16 };
    const [a, b] = [await pipe.generate(o), await other.generate(o)];
    let maxDiff = 0;
    for (let i = 0; i < a.latents.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.latents[i] - b.latents[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    await other.release();
    await expect(SanaPipeline.fromPretrained(sana, { transformerGraph: { mixFfn: 'dense' } as never })).rejects.toThrow("transformerGraph.mixFfn: is \"dense\"; expected one of 'conv', 'matmul'");
  });

  it('stops when the signal aborts', async () => {
    const ac = new AbortController();
    const p = pipe.generate({ prompt: 'x', steps: 3, width: 32, height: 32, useResolutionBinning: false, maxSequenceLength: 16, signal: ac.signal, onStep: () => ac.abort() });
    await expect(p).rejects.toThrow(/abort/i);
  });
});

describe('loading errors', () => {
  it('names an unknown device', async () => {
    await expect(SanaPipeline.fromPretrained(sana, { device: 'tpu' as never })).rejects.toThrow('device: unknown device "tpu"');
  });
  it('names a missing component folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sana-'));
    await cp(sana, dir, { recursive: true });
    await rm(join(dir, 'vae'), { recursive: true });
    await expect(SanaPipeline.fromPretrained(dir)).rejects.toThrow(/vae\/config.json: is missing or unreadable \(ENOENT\)/);
  });
  it('names a folder that is not a checkpoint', async () => {
    await expect(SanaPipeline.fromPretrained('/nonexistent/model')).rejects.toThrow('/nonexistent/model: is not a folder');
  });
  it('refuses a Sana checkpoint in the Sprint pipeline, naming the scheduler', async () => {
    await expect(SanaSprintPipeline.fromPretrained(sana)).rejects.toThrow('components.scheduler: is flow-dpm-solver; Sana-Sprint samples with SCM');
  });
});

describe('remote loading', () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      if (req.url!.startsWith('/broken/')) { res.writeHead(500).end('boom'); return; }
      if (req.url!.startsWith('/short/')) {
        // Claims more bytes than it sends, then closes: a truncated download.
        res.writeHead(200, { 'content-length': '1000' });
        res.end('{"_class_name": "SanaPipeline"');
        return;
      }
      const rel = decodeURIComponent(req.url!.replace(/^\/m\//, ''));
      if (rel.includes('..')) { res.writeHead(400).end(); return; }
      try {
        const body = await readFile(join(sana, rel));
        hits.push(req.url!); // files served; 404 probes (e.g. manifest.json) are not cached and not counted
        res.writeHead(200, { 'content-length': body.length }).end(body);
      } catch { res.writeHead(404).end('not found'); }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/m`;
    return () => server.close();
  });

  it('loads a model from a URL into a cache and generates the same image as from the folder', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'sana-cache-'));
    const remote = await SanaPipeline.fromPretrained(base, { cacheDir });
    const local = await SanaPipeline.fromPretrained(sana);
    const o = { prompt: 'a red circle', width: 64, height: 32, steps: 1, seed: 5, useResolutionBinning: false, maxSequenceLength: 16 };
    expect((await remote.generate(o)).pixels).toEqual((await local.generate(o)).pixels);
    const before = hits.length;
    await SanaPipeline.fromPretrained(base, { cacheDir }); // second load: every file from the cache
    expect(hits.length).toBe(before);
  });

  it('names a 500 and a truncated download, and leaves no file in the cache', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'sana-cache-'));
    const root = base.replace(/\/m$/, '');
    await expect(SanaPipeline.fromPretrained(`${root}/broken`, { cacheDir })).rejects.toThrow(/\/broken\/(manifest|model_index)\.json: answered HTTP 500/);
    await expect(SanaPipeline.fromPretrained(`${root}/short`, { cacheDir })).rejects.toThrow(/\/short\/(manifest|model_index)\.json: (download is truncated|download broke off)/);
    const { readdir: rd } = await import('node:fs/promises');
    const walk = async (d: string): Promise<string[]> => (await rd(d, { withFileTypes: true })).flatMap((e) => (e.isDirectory() ? [] : [join(d, e.name)]))
      .concat(...(await Promise.all((await rd(d, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => walk(join(d, e.name))))));
    expect(await walk(cacheDir)).toEqual([]);
  });

  it('says which URL answered 404', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'sana-cache-'));
    await expect(SanaPipeline.fromPretrained(`${base}/nothing-here`, { cacheDir })).rejects.toThrow(DownloadError);
    await expect(SanaPipeline.fromPretrained(`${base}/nothing-here`, { cacheDir })).rejects.toThrow(/model_index.json: answered HTTP 404/);
  });
});

describe('sana generate (CLI)', () => {
  it('writes the PNG, and leaves an existing file untouched when the run fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sana-out-'));
    const out = join(dir, 'img.png');
    const base = { out, negative: '', guidance: 4.5, seed: 0, binning: false, chi: true, maxSequenceLength: 16, device: 'cpu' as const, dtype: 'fp32' as const, quiet: true, width: 64, height: 64, steps: 1 };
    await runGenerate('a red circle', { ...base, model: sana });
    const png = await readFile(out);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    await writeFile(out, 'keep me');
    await expect(runGenerate('a red circle', { ...base, model: sana, width: 65 })).rejects.toThrow(/width/);
    await expect(runGenerate('a red circle', { ...base, model: join(dir, 'missing') })).rejects.toThrow(/is not a folder/);
    await expect(runGenerate('a red circle', { ...base, model: sana, webgpuBufferCache: 'simple' })).rejects.toThrow('webgpu: configures the WebGPU execution provider; the device is "cpu"');
    await runGenerate('a red circle', { ...base, model: sana, out: join(dir, 'layout.png'), transformerGraph: { mixFfn: 'matmul', crossAttention: 'mha' } });
    expect((await readFile(join(dir, 'layout.png'))).subarray(1, 4).toString()).toBe('PNG');
    expect(await readFile(out, 'utf8')).toBe('keep me');
    expect((await stat(dir)).isDirectory()).toBe(true);
  });
});
