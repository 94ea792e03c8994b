// Issue 9, "no uncaught exception escapes the public API": a seeded mutation test that breaks the fixture
// checkpoint in many ways (files deleted, truncated, corrupted; configs with wrong JSON types; safetensors
// headers with swapped shapes, bad dtypes and offsets) and calls fromPretrained / generate / convertCheckpoint.
// Every rejection must be a SanaError (never a TypeError, RangeError or a raw ONNX Runtime error) whose
// message names the file, field, tensor or option at fault. Time-bounded; prints the number of cases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendError, SanaError, float32 } from '@sana/core';
import { SanaPipeline, SanaSprintPipeline, type GenerateOptions } from './index.node.js';
import { convertCheckpoint } from './convert.js';
import { mutationArb, removeDir, writeMutated, type Files, type Mutation } from './checkpoint-mutations.js';

const fixture = fileURLToPath(new URL('../../../fixtures/reference/sana', import.meta.url));
// A fixed number of cases (not a time budget), so a loaded CI machine runs the same test; SANA_FUZZ_SCALE multiplies it.
const SCALE = Number(process.env.SANA_FUZZ_SCALE ?? 1);
const RUNS = Math.max(1, Math.round(200 * SCALE));
const CONVERTED_RUNS = Math.max(1, Math.round(40 * SCALE));
const SEED = Number(process.env.SANA_FUZZ_SEED ?? 9);
/** SANA_FUZZ_EXPLORE=1: collect and print every escape instead of stopping at the first. */
const EXPLORE = process.env.SANA_FUZZ_EXPLORE === '1';

async function readTree(dir: string, files: Files = new Map(), root = dir): Promise<Files> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await readTree(p, files, root);
    else files.set(relative(root, p), new Uint8Array(await readFile(p)));
  }
  return files;
}

/**
 * Why `e` is not an acceptable failure of a call on the model at `dir`, or undefined when it is: a SanaError
 * (not a wrapped ORT failure, which would mean a check ran too late) naming a path under `dir`, a config
 * field, a tensor or an option.
 */
export function escapeOf(e: unknown, dir: string): string | undefined {
  if (!(e instanceof SanaError)) return `${(e as Error)?.constructor?.name ?? typeof e}: ${(e as Error)?.message ?? String(e)}`;
  if (e instanceof BackendError) return `BackendError (ORT saw a broken model): ${e.message.slice(0, 300)}`;
  const names = e.message.includes(dir) || /field "[^"]+"|tensor "[^"]+"|^[\w.[\]]+: /.test(e.message);
  return names ? undefined : `${e.name} naming no file/field/tensor/option: ${e.message}`;
}

const small: GenerateOptions = { prompt: 'a red circle', width: 32, height: 32, steps: 1, useResolutionBinning: false, maxSequenceLength: 8 };
type Entry = 'load+generate' | 'sprint' | 'convert';

describe('public API under a broken checkpoint', () => {
  let files: Files;
  let work: string;
  const escapes = new Map<string, { count: number; example: readonly Mutation[]; entry: Entry }>();
  beforeAll(async () => {
    files = await readTree(fixture);
    work = await mkdtemp(join(tmpdir(), 'sana-hostile-'));
  });
  afterAll(async () => { await removeDir(work); });

  it(`rejects every broken checkpoint with a typed error naming the fault (${RUNS} cases, seed ${SEED})`, async () => {
    let cases = 0;
    let loaded = 0;
    const outcomes: Record<string, number> = {};
    const entry = fc.oneof(
      { weight: 6, arbitrary: fc.constant<Entry>('load+generate') },
      { weight: 1, arbitrary: fc.constant<Entry>('sprint') },
      { weight: 1, arbitrary: fc.constant<Entry>('convert') },
    );
    await fc.assert(fc.asyncProperty(fc.array(mutationArb(files), { minLength: 1, maxLength: 3 }), entry, async (mutations, how) => {
      const dir = join(work, `c${cases++}`);
      await writeMutated(files, dir, mutations);
      let err: unknown;
      try {
        if (how === 'load+generate') {
          const pipe = await SanaPipeline.fromPretrained(dir, { threads: 1 });
          loaded++;
          await pipe.generate(small);
        } else if (how === 'sprint') {
          await SanaSprintPipeline.fromPretrained(dir, { threads: 1 });
        } else {
          const out = join(dir, 'converted');
          await convertCheckpoint(dir, out).catch(async (e: unknown) => {
            // A failed conversion leaves neither the output folder nor its temporary sibling behind.
            expect(await stat(out).then(() => true, () => false), 'output folder left behind').toBe(false);
            expect((await readdir(dir)).filter((n) => n.startsWith('converted')), 'partial folder left behind').toEqual([]);
            throw e;
          });
        }
      } catch (e) {
        err = e;
      } finally {
        await removeDir(dir);
      }
      const key = err === undefined ? 'ok' : (err as Error)?.constructor?.name ?? 'non-error';
      outcomes[`${how}: ${key}`] = (outcomes[`${how}: ${key}`] ?? 0) + 1;
      if (err === undefined) return;
      const why = escapeOf(err, dir);
      if (!why) return;
      if (!EXPLORE) throw new Error(`${how} escaped: ${why}`);
      const k = `${how} | ${why.replaceAll(dir, '<dir>').slice(0, 160)}`;
      const seen = escapes.get(k);
      escapes.set(k, { count: (seen?.count ?? 0) + 1, example: seen?.example ?? mutations, entry: how });
    }), { numRuns: RUNS, seed: SEED, endOnFailure: true });
    console.log(`public API fuzz: ${cases} cases, ${escapes.size ? `${[...escapes.values()].reduce((a, b) => a + b.count, 0)} escapes` : '0 crashes'} (${loaded} loaded)`);
    console.log(Object.entries(outcomes).sort().map(([k, v]) => `  ${k}: ${v}`).join('\n'));
    for (const [k, v] of escapes) console.log(`ESCAPE x${v.count} ${k}\n    e.g. ${JSON.stringify(v.example).slice(0, 400)}`);
    expect(escapes.size).toBe(0);
    expect(cases).toBe(RUNS);
  });
});

describe('public API under a broken converted model', () => {
  let files: Files;
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sana-hostile-conv-'));
    await convertCheckpoint(fixture, join(work, 'pristine'));
    files = await readTree(join(work, 'pristine'));
  });
  afterAll(async () => { await removeDir(work); });

  it(`rejects every broken converted folder with a typed error naming the fault (${CONVERTED_RUNS} cases)`, async () => {
    let cases = 0;
    const outcomes: Record<string, number> = {};
    const escapes: string[] = [];
    await fc.assert(fc.asyncProperty(fc.array(mutationArb(files), { minLength: 1, maxLength: 2 }), async (mutations) => {
      const dir = join(work, `c${cases++}`);
      await writeMutated(files, dir, mutations);
      const err = await SanaPipeline.fromPretrained(dir, { threads: 1 }).then((p) => p.generate(small)).then(() => undefined, (e: unknown) => e)
        .finally(() => removeDir(dir));
      const key = err === undefined ? 'ok' : (err as Error)?.constructor?.name ?? 'non-error';
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      const why = err === undefined ? undefined : escapeOf(err, dir);
      if (why && !EXPLORE) throw new Error(why);
      if (why) escapes.push(`${why.replaceAll(dir, '<dir>').slice(0, 200)} <- ${JSON.stringify(mutations).slice(0, 300)}`);
    }), { numRuns: CONVERTED_RUNS, seed: SEED });
    console.log(`converted-model fuzz: ${cases} cases, ${escapes.length ? `${escapes.length} escapes` : '0 crashes'}`);
    console.log(Object.entries(outcomes).sort().map(([k, v]) => `  ${k}: ${v}`).join('\n'));
    for (const e of new Set(escapes)) console.log(`ESCAPE ${e}`);
    expect(escapes).toEqual([]);
    expect(cases).toBe(CONVERTED_RUNS);
  });
});

describe('generate under hostile options', () => {
  let pipe: SanaPipeline;
  let sprint: SanaSprintPipeline;
  beforeAll(async () => {
    pipe = await SanaPipeline.fromPretrained(fixture, { threads: 1 });
    sprint = await SanaSprintPipeline.fromPretrained(join(fixture, '../sana-sprint'), { threads: 1 });
  });

  // Every option x every bad value, the others valid: an escape is pinned to one option. Sizes like 1e9 are
  // in the list on purpose: unchecked, they allocate without bound (the process is killed for memory).
  const bad: unknown[] = [undefined, null, -1, 0, 0.5, 31, 33, NaN, Infinity, -Infinity, 1e9, 2 ** 53, '64', '', [], {}, true, [''], [1], ['a', 2],
    new Float32Array(3), float32(new Float32Array(8 * 4), [1, 8, 2, 2]), () => new Float32Array(2)];
  const good = { prompt: 'a red circle', negativePrompt: '', width: 32, height: 32, steps: 1, guidanceScale: 4.5, seed: 0, numImagesPerPrompt: 1,
    maxSequenceLength: 8, complexHumanInstruction: null, useResolutionBinning: false };
  const keys = [...Object.keys(good), 'latents', 'onStep', 'signal', 'promptEmbeds'];

  it('fromPretrained: every bad load option (transformerGraph, webgpu) is an error naming it, or loads', async () => {
    const escapes: string[] = [];
    for (const k of ['transformerGraph', 'webgpu']) {
      for (const v of bad) {
        const err = await SanaPipeline.fromPretrained(fixture, { threads: 1, [k]: v }).then((p) => p.release(), (e: unknown) => e);
        if (err === undefined) continue;
        const why = escapeOf(err, fixture) ?? (!(err as Error).message.startsWith(k) ? `names ${(err as Error).message.split(':')[0]}, not ${k}` : undefined);
        if (why) escapes.push(`${k}=${typeof v === 'function' ? 'function' : String(v)}: ${why.slice(0, 200)}`);
      }
    }
    expect(escapes).toEqual([]);
  });

  it.each([['SanaPipeline'], ['SanaSprintPipeline']])('%s: every bad option is an ArgumentError naming it, or works', async (which) => {
    const p = which === 'SanaPipeline' ? pipe : sprint;
    const escapes: string[] = [];
    let cases = 0;
    let refused = 0;
    for (const k of keys) {
      for (const v of bad) {
        cases++;
        // A run that is accepted must still be short: the signal bounds a case that slipped through.
        const o = { ...good, [k]: v, ...(k === 'signal' ? {} : { signal: AbortSignal.timeout(10_000) }) } as GenerateOptions;
        const err = await p.generate(o).then(() => undefined, (e: unknown) => e);
        if (err === undefined) continue;
        refused++;
        const why = escapeOf(err, fixture) ?? (!(err as Error).message.startsWith(k) ? `names ${(err as Error).message.split(':')[0]}, not ${k}` : undefined);
        if (why) escapes.push(`${k}=${typeof v === 'function' ? 'function' : String(v)}: ${why.slice(0, 200)}`);
      }
    }
    console.log(`${which} generate options: ${cases} cases, ${refused} refused, ${escapes.length} escapes`);
    for (const e of escapes) console.log(`ESCAPE ${e}`);
    expect(escapes).toEqual([]);
  });
});
