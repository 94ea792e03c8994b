// Browser model source: files fetched from a base URL, kept in the Cache API so a reload skips the download.
import { blobSource, FormatError, SanaError } from '@sana/core';
import { checkRelativePath, type ModelSource } from './model-source.js';

export interface WebSourceOptions {
  /** Cache API cache name (default 'sana-ts-models'); null disables caching. */
  readonly cacheName?: string | null;
  readonly onProgress?: (p: { file: string; loaded: number; total: number | undefined }) => void;
}

/** A failed or incomplete download. */
export class WebDownloadError extends SanaError {
  constructor(readonly url: string, message: string) {
    super('E_DOWNLOAD', `${url}: ${message}`);
    this.name = 'WebDownloadError';
  }
}

/**
 * A model at `baseUrl` (same origin or CORS-enabled). A file is put in the cache only once it arrived whole
 * (its length checked against Content-Length), so a broken download never poisons the cache.
 */
export function webSource(baseUrl: string, options: WebSourceOptions = {}): ModelSource {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`, globalThis.location?.href);
  const cacheName = options.cacheName === undefined ? 'sana-ts-models' : options.cacheName;
  const blobs = new Map<string, Promise<Blob>>();

  const urlOf = (rel: string) => {
    const clean = checkRelativePath(rel, base.href);
    const u = new URL(clean, base);
    if (u.origin !== base.origin || !u.href.startsWith(base.href)) throw new FormatError(`path "${rel}" leaves the model URL`, base.href);
    return u.href;
  };

  async function fetchBlob(url: string, rel: string): Promise<Blob> {
    const cache = cacheName && typeof caches !== 'undefined' ? await caches.open(cacheName) : undefined;
    const hit = await cache?.match(url);
    if (hit) return hit.blob();
    const res = await fetch(url).catch((e: Error) => { throw new WebDownloadError(url, `request failed (${e.message})`); });
    if (!res.ok) throw new WebDownloadError(url, `answered HTTP ${res.status}`);
    const total = res.headers.get('content-length') ? Number(res.headers.get('content-length')) : undefined;
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      options.onProgress?.({ file: rel, loaded, total });
    }
    if (total !== undefined && loaded !== total) throw new WebDownloadError(url, `download is truncated: got ${loaded} of ${total} bytes`);
    const blob = new Blob(chunks as BlobPart[]);
    await cache?.put(url, new Response(blob, { headers: { 'content-length': String(blob.size) } }));
    return blob;
  }

  const get = (rel: string) => {
    const url = urlOf(rel);
    let p = blobs.get(url);
    if (!p) {
      p = fetchBlob(url, rel);
      blobs.set(url, p);
      p.catch(() => blobs.delete(url));
    }
    return p;
  };

  return {
    name: base.href.replace(/\/$/, ''),
    async readText(rel) { return (await get(rel)).text(); },
    async readBytes(rel) { return new Uint8Array(await (await get(rel)).arrayBuffer()); },
    async byteSource(rel) { return blobSource(await get(rel), urlOf(rel)); },
    async exists(rel) {
      try { await get(rel); return true; } catch (e) {
        if (e instanceof WebDownloadError && / HTTP 404/.test(e.message)) return false;
        throw e;
      }
    },
  };
}
