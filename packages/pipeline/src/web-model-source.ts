// Browser model source: files fetched from a base URL, kept in the Cache API so a reload skips the download.
import { blobSource, SanaError } from '@sana/core';
import { downloadWhole, modelBaseUrl, urlUnder, type DownloadProgress, type ModelSource } from './model-source.js';

export interface WebSourceOptions {
  /** Cache API cache name (default 'sana-ts-models'); null disables caching. */
  readonly cacheName?: string | null;
  readonly onProgress?: (p: DownloadProgress) => void;
  /** The `fetch` to use (default: the global one). */
  readonly fetch?: typeof fetch;
}

/** A failed or incomplete download. */
export class WebDownloadError extends SanaError {
  constructor(readonly url: string, message: string, options?: { cause?: unknown }) {
    super('E_DOWNLOAD', `${url}: ${message}`, options);
    this.name = 'WebDownloadError';
  }
}

/**
 * A model at `baseUrl` (same origin or CORS-enabled). Every path (from the code, a manifest or a shard index)
 * must resolve under `baseUrl` on its origin; anything else is refused before a request is made. A file is
 * put in the cache only once it arrived whole (its length checked against Content-Length), so a broken
 * download never poisons the cache.
 * @example const parts = await loadComponents(webSource('/models/sana-600m-onnx'), backend);
 */
export function webSource(baseUrl: string, options: WebSourceOptions = {}): ModelSource {
  const base = modelBaseUrl(baseUrl, globalThis.location?.href);
  const cacheName = options.cacheName === undefined ? 'sana-ts-models' : options.cacheName;
  const doFetch = options.fetch ?? ((u: string) => fetch(u));
  const blobs = new Map<string, Promise<Blob>>();
  const urlOf = (rel: string) => urlUnder(base, rel);

  // The Cache API is missing on http:// pages and may refuse (opaque origins, quota): then we only fetch.
  async function openCache(): Promise<Cache | undefined> {
    if (!cacheName || typeof caches === 'undefined') return undefined;
    return caches.open(cacheName).catch(() => undefined);
  }

  async function fetchBlob(url: string, rel: string): Promise<Blob> {
    const cache = await openCache();
    const hit = await cache?.match(url).catch(() => undefined);
    if (hit) return hit.blob();
    const chunks = await downloadWhole(doFetch, url, rel, options.onProgress, (m, o) => new WebDownloadError(url, m, o));
    const blob = new Blob(chunks as BlobPart[]);
    // A full cache costs a download next time, never this load.
    await cache?.put(url, new Response(blob, { headers: { 'content-length': String(blob.size) } })).catch(() => undefined);
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
