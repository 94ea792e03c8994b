// Serves the vendored reference fixtures to the example page: the checkpoint at /models/sana/ and the reference
// tensors at /fixtures/. Used as Vite middleware (dev and preview) and by the headless-Chromium test's static server.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** fixtures/reference of this repository. */
export const REFERENCE_DIR = fileURLToPath(new URL('../../fixtures/reference', import.meta.url));

/** URL prefix -> folder on disk. The page's default model URL is `/models/sana/`. */
export const FIXTURE_MOUNTS: Readonly<Record<string, string>> = {
  '/models/sana/': join(REFERENCE_DIR, 'sana'),
  '/models/sana-sprint/': join(REFERENCE_DIR, 'sana-sprint'),
  '/fixtures/': REFERENCE_DIR,
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png', '.svg': 'image/svg+xml',
};

/**
 * Headers that make the page cross-origin isolated, so onnxruntime-web may use SharedArrayBuffer
 * (multi-threaded wasm). Without them ORT falls back to one thread.
 */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Sends the file under `root` named by the URL path `rel` (404 when absent, 400 when the path leaves `root`).
 * Returns false only when nothing was sent because the file does not exist and `fallthrough` is set.
 */
export async function sendFile(root: string, rel: string, req: IncomingMessage, res: ServerResponse, fallthrough = false): Promise<boolean> {
  let decoded: string;
  try { decoded = decodeURIComponent(rel); } catch { res.writeHead(400).end('bad path'); return true; }
  const path = resolve(root, `.${sep}${decoded}`);
  if (path !== root && !path.startsWith(root + sep)) { res.writeHead(400).end('path leaves the served folder'); return true; }
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) {
    if (fallthrough) return false;
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${rel}`);
    return true;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
    'content-length': String(st.size),
    'cache-control': 'no-cache',
    'cross-origin-resource-policy': 'same-origin',
    ...ISOLATION_HEADERS,
  });
  if (req.method === 'HEAD') { res.end(); return true; }
  createReadStream(path).pipe(res);
  return true;
}

/** Connect-style middleware for FIXTURE_MOUNTS; other URLs go to `next`. */
export function fixtureMiddleware() {
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const url = new URL(req.url ?? '/', 'http://x').pathname;
    const mount = Object.keys(FIXTURE_MOUNTS).find((m) => url.startsWith(m));
    if (!mount) { next(); return; }
    sendFile(FIXTURE_MOUNTS[mount], url.slice(mount.length), req, res).catch((e: Error) => {
      if (!res.headersSent) res.writeHead(500).end(e.message);
    });
  };
}
