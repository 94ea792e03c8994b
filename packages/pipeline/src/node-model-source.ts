// Node model sources: a local folder (with symlink containment) and a URL downloaded into a cache folder.
import { createHash } from 'node:crypto';
import { mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { ArgumentError, FormatError, SanaError, fileSource } from '@sana/core';
import { checkRelativePath, downloadWhole, modelBaseUrl, urlUnder, type DownloadProgress, type ModelSource } from './model-source.js';

/** A model folder on disk. Paths that resolve outside it (`..`, absolute, symlinks out) are refused. */
export async function folderSource(dir: string): Promise<ModelSource> {
  const root = resolve(dir);
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new FormatError('is not a folder (expected a diffusers checkpoint or a converted model)', root);
  const realRoot = await realpath(root);
  const resolveInside = async (rel: string) => {
    const clean = checkRelativePath(rel, root);
    const p = join(realRoot, clean);
    const real = await realpath(p).catch(() => p);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) throw new FormatError(`path "${rel}" resolves outside the model folder (to ${real})`, root);
    return real;
  };
  const missing = (rel: string, e: unknown) => new FormatError(`is missing or unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, join(root, rel), { cause: e });
  return {
    name: root,
    async readText(rel) { const p = await resolveInside(rel); return readFile(p, 'utf8').catch((e) => { throw missing(rel, e); }); },
    async readBytes(rel) { const p = await resolveInside(rel); return new Uint8Array(await readFile(p).catch((e) => { throw missing(rel, e); })); },
    async byteSource(rel) { return fileSource(await resolveInside(rel)); },
    async exists(rel) { const p = await resolveInside(rel); return stat(p).then((s) => s.isFile(), () => false); },
    localFile: (rel) => resolveInside(rel),
  };
}

export type { DownloadProgress };

export interface UrlSourceOptions {
  /** Download cache (default: $SANA_CACHE or ~/.cache/sana-ts). */
  readonly cacheDir?: string;
  readonly onProgress?: (p: DownloadProgress) => void;
  readonly fetch?: typeof fetch;
}

/** Network failures and bad answers from a model URL. */
export class DownloadError extends SanaError {
  constructor(readonly url: string, message: string, options?: { cause?: unknown }) {
    super('E_DOWNLOAD', `${url}: ${message}`, options);
    this.name = 'DownloadError';
  }
}

/**
 * A model at a base URL with the diffusers layout (e.g. `https://huggingface.co/<repo>/resolve/main`).
 * Each file is downloaded once into the cache: to a temporary name, checked against Content-Length,
 * then renamed, so an interrupted download never leaves a corrupt file behind.
 */
export function urlSource(baseUrl: string, options: UrlSourceOptions = {}): ModelSource {
  const base = baseUrl.replace(/\/+$/, '');
  const baseUrlObj = modelBaseUrl(base);
  const cacheRoot = options.cacheDir ?? process.env.SANA_CACHE ?? join(homedir(), '.cache', 'sana-ts');
  const dir = join(cacheRoot, createHash('sha256').update(base).digest('hex').slice(0, 16));
  const doFetch = options.fetch ?? fetch;
  const inflight = new Map<string, Promise<string>>();

  const download = (rel: string): Promise<string> => {
    const clean = checkRelativePath(rel, base);
    let p = inflight.get(clean);
    if (!p) {
      p = fetchToCache(clean);
      inflight.set(clean, p);
      p.catch(() => inflight.delete(clean));
    }
    return p;
  };

  async function fetchToCache(clean: string): Promise<string> {
    const target = join(dir, ...clean.split('/'));
    if (await stat(target).then((s) => s.isFile(), () => false)) return target;
    const url = urlUnder(baseUrlObj, clean); // same origin, under the base path
    const chunks = await downloadWhole(doFetch, url, clean, options.onProgress, (m, o) => new DownloadError(url, m, o),
      (status) => (status === 404 ? ' (not found: check the model URL and file layout)' : ''));
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.part-${process.pid}-${Date.now()}`;
    try {
      await writeFile(tmp, Buffer.concat(chunks));
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return target;
  }

  const exists = async (rel: string) => {
    try { await download(rel); return true; } catch (e) {
      if (e instanceof DownloadError && / HTTP 404/.test(e.message)) return false;
      throw e;
    }
  };
  return {
    name: base,
    async readText(rel) { return readFile(await download(rel), 'utf8'); },
    async readBytes(rel) { return new Uint8Array(await readFile(await download(rel))); },
    async byteSource(rel) { return fileSource(await download(rel)); },
    exists,
    localFile: download,
  };
}

/** A folder path or an http(s) URL. */
export async function openModelSource(source: string, options: UrlSourceOptions = {}): Promise<ModelSource> {
  if (typeof source !== 'string' || !source) throw new ArgumentError('source', `must be a folder path or an http(s) URL, got ${JSON.stringify(source)}`);
  if (/^https?:\/\//i.test(source)) return urlSource(source, options);
  return folderSource(source);
}
