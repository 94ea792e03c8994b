// Opens a fixture folder from disk for the parity harness.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FormatError } from './errors.js';
import { openSafetensors } from './node-files.js';
import type { Fixture } from './parity.js';

export async function openFixture(dir: string): Promise<Fixture> {
  const abs = resolve(dir);
  const jsonPath = join(abs, 'reference.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (e) {
    throw new FormatError(`is not a readable fixture index (${(e as Error).message})`, jsonPath, { cause: e });
  }
  const tensors = await openSafetensors(join(abs, 'reference.safetensors'));
  return { dir: abs, json, tensors, path: (rel: string) => join(abs, rel) };
}
