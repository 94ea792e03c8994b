// Browser model source: files fetched from a base URL, kept in the Cache API so a reload skips the download.
import { blobSource, SanaError } from '@sana/core';
import { modelBaseUrl, urlUnder, type ModelSource } from './model-source.js';

export interface WebSourceOptions {
  /** Cache API cache name (default 'sana-ts-models'); null disables caching. */
  readonly cacheName?: string | null;
  readonly onProgress?: (p: { file: string; loaded: number; total: number | undefined }) => void;
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
    let res: Response;
    try {
      res = await doFetch(url);
    } catch (e) {
      throw new WebDownloadError(url, `request failed (${(e as Error).message})`, { cause: e });
    }
    if (!res.ok) throw new WebDownloadError(url, `answered HTTP ${res.status}`);
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
          options.onProgress?.({ file: rel, loaded, total });
        }
      }
    } catch (e) {
      throw new WebDownloadError(url, `download broke off after ${loaded} bytes (${(e as Error).message})`, { cause: e });
    }
    if (total !== undefined && loaded !== total) throw new WebDownloadError(url, `download is truncated: got ${loaded} of ${total} bytes`);
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
