// The Node examples, run as a user would (tsx from the repository root) against the vendored fixture checkpoint.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx/cli');
const model = 'fixtures/reference/sana';

/** Runs examples/node/<script> with tsx in the repository root; resolves with stdout, stderr and the exit code. */
function script(name: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsx, `examples/node/${name}`, ...args], { cwd: root }, (e, out, err) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err });
    });
  });
}

/** Width and height from a PNG's IHDR chunk. */
async function pngSize(path: string): Promise<[number, number]> {
  const b = await readFile(path);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

describe('examples/node', () => {
  it('generate.ts writes the PNG of the asked size', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'sana-ex-')), 'out.png');
    const r = await script('generate.ts', [model, 'a red circle on a blue background', out, '--width', '96', '--height', '64', '--steps', '2']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(await pngSize(out)).toEqual([96, 64]);
  });

  it('encode-prompt.ts prints the embedding shape and per-prompt statistics', async () => {
    const r = await script('encode-prompt.ts', [model, 'a red circle', 'a blue square', '--max-sequence-length', '40']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/embeds \[2, 40, 64\] float32, mask \[2, 40\]/);
    expect(r.out.match(/"tokens":\d+/g)).toHaveLength(2);
  });

  it('dit-step.ts runs one forward of the asked latent size', async () => {
    const r = await script('dit-step.ts', [model, '--height', '4', '--width', '6', '--tokens', '12']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/output \[1, 8, 4, 6\]/);
  });

  it('decode-latents.ts writes a 32x larger PNG', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'sana-ex-')), 'decoded.png');
    const r = await script('decode-latents.ts', [model, out, '--height', '2', '--width', '3']);
    expect(r.code).toBe(0);
    expect(await pngSize(out)).toEqual([96, 64]);
  });

  it('says what is wrong, without a stack trace', async () => {
    const missing = await script('dit-step.ts', ['/nonexistent/model']);
    expect(missing.code).toBe(1);
    expect(missing.err.trim()).toBe('error E_FORMAT: /nonexistent/model: is not a folder (expected a diffusers checkpoint or a converted model)');
    const usage = await script('decode-latents.ts', [model]);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/^expected 2 positional argument\(s\), got 1\nusage: decode-latents.ts MODEL_DIR OUT.png/);
  });
});
