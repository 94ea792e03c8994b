// Where a model's files come from: a local folder (Node), or a base URL (Hugging Face `resolve/main` layout).
import { ArgumentError, FormatError } from '@sana/core';
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
 * Checks that `rel` is a plain relative path inside the model folder: no absolute paths or URLs (`/x`,
 * `//host/x`, `C:x`, `https:`), no `..` segments, no backslashes, no control characters (URL parsers drop
 * tabs and newlines, so `.\t./x` would climb), no percent-escapes (`%2e%2e` is `..` to a URL parser and to
 * many servers), no `?` or `#` (they would end a URL's path). Used by every source before it touches anything.
 * @example checkRelativePath('./transformer//config.json', 'model') // 'transformer/config.json'
 */
export function checkRelativePath(rel: string, root: string): string {
  const bad = (why: string) => new FormatError(`path ${JSON.stringify(rel)} ${why}`, root);
  if (typeof rel !== 'string' || rel.length === 0) throw bad('is empty');
  if (rel.includes('\\')) throw bad('contains a backslash');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(rel)) throw bad('contains a control character');
  if (/%[0-9a-f]{2}/i.test(rel)) throw bad('contains a percent-escape; write the plain file name');
  if (/[?#]/.test(rel)) throw bad('contains "?" or "#"');
  if (rel.startsWith('/') || /^[a-zA-Z]:/.test(rel) || /^[a-z][a-z0-9+.-]*:/i.test(rel)) throw bad('is absolute; expected a path inside the model folder');
  const parts = rel.split('/');
  if (parts.some((p) => p === '..')) throw bad('leaves the model folder');
  const clean = parts.filter((p) => p !== '' && p !== '.').join('/');
  if (!clean) throw bad('names the model folder itself, not a file in it');
  // `./https:x` cleans to `https:x`, which a URL parser would read as a scheme.
  if (/^[a-z][a-z0-9+.-]*:/i.test(clean)) throw bad('is absolute; expected a path inside the model folder');
  return clean;
}

/** A base URL for model files, normalized to end in `/` so relative paths resolve under it. */
export function modelBaseUrl(baseUrl: string, relativeTo?: string): URL {
  let u: URL;
  try {
    u = new URL(baseUrl, relativeTo);
  } catch {
    throw new ArgumentError('url', `${JSON.stringify(baseUrl)} is not a URL`);
  }
  const allowed = ['http:', 'https:', ...(relativeTo ? [new URL(relativeTo).protocol] : [])];
  if (!allowed.includes(u.protocol)) throw new ArgumentError('url', `${JSON.stringify(baseUrl)} has scheme ${u.protocol}; expected http: or https:`);
  if (u.search || u.hash) throw new ArgumentError('url', `${JSON.stringify(baseUrl)} has a query or fragment; give the folder URL alone`);
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u;
}

/**
 * The URL of `rel` under `base` (from `modelBaseUrl`), refused unless it stays on the same origin and under
 * the base path. Each segment is percent-encoded, so nothing in a file name can act as URL syntax.
 * @example urlUnder(modelBaseUrl('https://h/m'), 'vae/config.json') // 'https://h/m/vae/config.json'
 */
export function urlUnder(base: URL, rel: string): string {
  const clean = checkRelativePath(rel, base.href);
  const u = new URL(clean.split('/').map(encodeURIComponent).join('/'), base);
  if (u.origin !== base.origin || !u.pathname.startsWith(base.pathname) || u.search || u.hash) {
    throw new FormatError(`path ${JSON.stringify(rel)} resolves to ${u.href}, outside the model URL`, base.href);
  }
  return u.href;
}

/** Progress of one file's download. */
export interface DownloadProgress { readonly file: string; readonly loaded: number; readonly total: number | undefined }

/**
 * GETs `url` and reads its body whole, reporting progress per chunk; the Node URL source and the browser source both
 * download through it. Every failure (network, HTTP status, a stream that breaks off, fewer bytes than Content-Length)
 * is `fail(message, { cause })`, so each source raises its own error type. A response without a body reads as empty.
 * @example const chunks = await downloadWhole(fetch, url, 'vae/config.json', undefined, (m, o) => new DownloadError(url, m, o));
 */
export async function downloadWhole(
  doFetch: (url: string) => Promise<Response>, url: string, file: string,
  onProgress: ((p: DownloadProgress) => void) | undefined,
  fail: (message: string, options?: { cause: unknown }) => Error,
  statusHint: (status: number) => string = () => '',
): Promise<Uint8Array[]> {
  let res: Response;
  try {
    res = await doFetch(url);
  } catch (e) {
    throw fail(`request failed (${(e as Error).message})`, { cause: e });
  }
  if (!res.ok) throw fail(`answered HTTP ${res.status}${statusHint(res.status)}`);
  const total = res.headers.get('content-length') ? Number(res.headers.get('content-length')) : undefined;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.byteLength;
        onProgress?.({ file, loaded, total });
      }
    }
  } catch (e) {
    throw fail(`download broke off after ${loaded} bytes (${(e as Error).message})`, { cause: e });
  }
  if (total !== undefined && loaded !== total) throw fail(`download is truncated: got ${loaded} of ${total} bytes`);
  return chunks;
}
