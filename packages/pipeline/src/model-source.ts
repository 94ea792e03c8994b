// Where a model's files come from: a local folder (Node), or a base URL (Hugging Face `resolve/main` layout).
import { FormatError } from '@sana/core';
import { parseDiffusersJson } from '@sana/flow-dpm-solver';
import type { ByteSource } from '@sana/core';

/**
 * Read access to the files of one model folder, by path relative to its root (`transformer/config.json`).
 * Implementations refuse any path that leaves the root.
 */
export interface ModelSource {
  /** The folder or URL, for messages. */
  readonly name: string;
  readText(rel: string): Promise<string>;
  readBytes(rel: string): Promise<Uint8Array>;
  byteSource(rel: string): Promise<ByteSource>;
  exists(rel: string): Promise<boolean>;
  /** A local file ORT can open directly, with its external data beside it (Node: folders and the URL cache). */
  localFile?(rel: string): Promise<string>;
}

/** Parses JSON from `rel`, naming the file when it is not JSON or not an object. */
export async function readJson(src: ModelSource, rel: string): Promise<Record<string, unknown>> {
  const text = await src.readText(rel);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    // Python writes NaN / Infinity / -Infinity bare (e.g. a scheduler's lambda_min_clipped); accept those.
    v = parseDiffusersJson(text, `${src.name}/${rel}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FormatError('must hold a JSON object', `${src.name}/${rel}`);
  return v as Record<string, unknown>;
}

/**
 * Checks that `rel` is a plain relative path inside the model folder: no absolute paths, no `..`
 * segments, no backslashes, no URL schemes. Used by every source before it touches anything.
 */
export function checkRelativePath(rel: string, root: string): string {
  const bad = (why: string) => new FormatError(`path ${JSON.stringify(rel)} ${why}`, root);
  if (typeof rel !== 'string' || rel.length === 0) throw bad('is empty');
  if (rel.includes('\\') || rel.includes('\0')) throw bad('contains a backslash or NUL');
  if (rel.startsWith('/') || /^[a-zA-Z]:/.test(rel) || /^[a-z][a-z0-9+.-]*:/i.test(rel)) throw bad('is absolute; expected a path inside the model folder');
  const parts = rel.split('/');
  if (parts.some((p) => p === '..')) throw bad('leaves the model folder');
  const clean = parts.filter((p) => p !== '' && p !== '.').join('/');
  if (!clean) throw bad('names the model folder itself, not a file in it');
  return clean;
}
