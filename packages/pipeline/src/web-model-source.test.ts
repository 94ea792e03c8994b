// Browser model source in Node: a fake fetch and Cache API record every URL, so the tests can say that
// a refused path (other origin, `..` above the base, encoded dots, backslashes) was never requested.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { ArgumentError, ConfigError, FormatError, SanaError, type Backend } from '@sana/core';
import { loadComponents } from './components.js';
import { webSource, WebDownloadError } from './web-model-source.js';

const sana = fileURLToPath(new URL('../../../fixtures/reference/sana', import.meta.url));
const BASE = 'https://models.example/org/sana/';

/** Serves `files` (path under BASE -> bytes) and 404 for anything else; records every requested URL. */
function fakeFetch(files: Map<string, Uint8Array | string>) {
  const requested: string[] = [];
  const fn = vi.fn(async (input: string | URL | Request) => {
    const url = String(input instanceof Request ? input.url : input);
    requested.push(url);
    const body = url.startsWith(BASE) ? files.get(decodeURIComponent(url.slice(BASE.length))) : undefined;
    if (body === undefined) return new Response('not found', { status: 404 });
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    return new Response(bytes as BodyInit, { headers: { 'content-length': String(bytes.byteLength) } });
  });
  return { fn: fn as unknown as typeof fetch, requested };
}

/** A Cache API over a Map that records lookups and puts. */
function fakeCaches() {
  const store = new Map<string, Response>();
  const log: string[] = [];
  const cache = {
    async match(u: string) { log.push(`match ${u}`); return store.get(u)?.clone(); },
    async put(u: string, r: Response) { log.push(`put ${u}`); store.set(u, r); },
  };
  return { api: { open: async () => cache }, store, log };
}

/** A backend that must not be reached: every test here fails before a session is created. */
const noBackend: Backend = {
  runtime: 'onnxruntime-web', device: 'wasm',
  createSession: () => { throw new Error('createSession must not be called'); },
};

const goodManifest = () => ({
  format: 'sana-ts-onnx', version: 1, pipeline: 'SanaPipeline',
  components: Object.fromEntries(['text_encoder', 'transformer', 'vae_decoder'].map((c) => [c, { model: `${c}/model.onnx`, externalData: [] as string[], config: `${c}/config.json`, floatType: 'float32' }])),
  tokenizer: { tokenizer: 'tokenizer/tokenizer.json', config: 'tokenizer/tokenizer_config.json' } as Record<string, string>,
  scheduler: 'scheduler/scheduler_config.json',
});
type M = ReturnType<typeof goodManifest>;

/** Paths that leave `BASE`: other origins, climbing, encoded or disguised `..`, backslashes, URL syntax. */
export const HOSTILE_PATHS = [
  'https://evil.example/x.onnx', 'http://evil.example/x.onnx', '//evil.example/x.onnx', '///evil.example/x',
  '../x.onnx', '../../../x.onnx', 'transformer/../../x.onnx', '%2e%2e/x.onnx', '%2E%2E/%2e%2e/x.onnx', '.%2e/x', '%2e./x',
  'transformer/%2e%2e/%2e%2e/x', '%2fetc%2fpasswd', '..%2fx', '..\\x.onnx', '\\\\evil.example\\x', 'transformer\\..\\..\\x',
  '/etc/passwd', '/org/other/x.onnx', 'C:/x.onnx', 'file:///etc/passwd', 'javascript:alert(1)', 'data:,x', 'http:x',
  './https:/evil.example/x', '.\t./x', '.\n./x', 'x?y=/../..', 'x#/../..', '',
];

describe('webSource path containment', () => {
  it.each(HOSTILE_PATHS.map((p) => [p]))('refuses %j before any request', async (p) => {
    const f = fakeFetch(new Map());
    const src = webSource(BASE, { cacheName: null, fetch: f.fn });
    await expect(src.readText(p)).rejects.toThrow(FormatError);
    await expect(src.exists(p)).rejects.toThrow(FormatError);
    expect(f.requested).toEqual([]);
  });

  it('fetches plain paths at the exact URL under the base, encoding odd characters', async () => {
    // `.//evil.example/x` is a folder named evil.example under the base: contained, so allowed.
    const f = fakeFetch(new Map([['vae/config.json', '{}'], ['a b/c:d.json', '{}']]));
    const src = webSource('https://models.example/org/sana', { cacheName: null, fetch: f.fn });
    expect(await src.readText('./vae//config.json')).toBe('{}');
    expect(await src.readText('a b/c:d.json')).toBe('{}');
    expect(f.requested).toEqual([`${BASE}vae/config.json`, `${BASE}a%20b/c%3Ad.json`]);
  });

  it('refuses a base that is not an http(s) folder URL, with the option named', () => {
    for (const bad of ['not a url', 'javascript:alert(1)', 'data:text/plain,x', 'file:///models/sana', 'https://h/m?token=1']) {
      expect(() => webSource(bad)).toThrow(ArgumentError);
      expect(() => webSource(bad)).toThrow(/^url: /);
    }
  });
});

describe('webSource downloads and the Cache API', () => {
  let caches: ReturnType<typeof fakeCaches>;
  beforeEach(() => { caches = fakeCaches(); vi.stubGlobal('caches', caches.api); });
  afterEach(() => { vi.unstubAllGlobals(); });

  it('caches a whole file and serves the second read from the cache', async () => {
    const f = fakeFetch(new Map([['model_index.json', '{"a":1}']]));
    vi.stubGlobal('fetch', f.fn);
    expect(await webSource(BASE).readText('model_index.json')).toBe('{"a":1}');
    expect(await webSource(BASE).readText('model_index.json')).toBe('{"a":1}'); // a new source: only the cache knows it
    expect(f.requested).toEqual([`${BASE}model_index.json`]);
    expect(caches.log).toEqual([`match ${BASE}model_index.json`, `put ${BASE}model_index.json`, `match ${BASE}model_index.json`]);
  });

  it('names a truncated download, a 500 and a network failure, and caches none of them', async () => {
    vi.stubGlobal('fetch', vi.fn(async (u: string) => {
      if (u.endsWith('short.json')) return new Response('{"a"', { headers: { 'content-length': '100' } });
      if (u.endsWith('err.json')) return new Response('boom', { status: 500 });
      throw new TypeError('Failed to fetch');
    }));
    const src = webSource(BASE);
    await expect(src.readText('short.json')).rejects.toThrow(`${BASE}short.json: download is truncated: got 4 of 100 bytes`);
    await expect(src.readText('err.json')).rejects.toThrow(`${BASE}err.json: answered HTTP 500`);
    await expect(src.readText('net.json')).rejects.toThrow(WebDownloadError);
    expect(caches.store.size).toBe(0);
    expect(await src.exists('err.json').catch((e: unknown) => e)).toBeInstanceOf(WebDownloadError);
  });

  it('says a 404 file does not exist, and still loads when the cache refuses to store', async () => {
    vi.stubGlobal('caches', { open: async () => ({ match: async () => undefined, put: async () => { throw new DOMException('full', 'QuotaExceededError'); } }) });
    vi.stubGlobal('fetch', fakeFetch(new Map([['a.json', '1']])).fn);
    const src = webSource(BASE);
    expect(await src.exists('manifest.json')).toBe(false);
    expect(await src.readText('a.json')).toBe('1');
  });
});

describe('converted models in the browser: manifest and external data containment', () => {
  const serve = async (manifest: unknown, extra: [string, Uint8Array | string][] = []) => {
    const files = new Map<string, Uint8Array | string>([['manifest.json', JSON.stringify(manifest)]]);
    for (const rel of ['scheduler/scheduler_config.json', 'tokenizer/tokenizer.json', 'tokenizer/tokenizer_config.json', 'text_encoder/config.json']) files.set(rel, await readFile(join(sana, rel)));
    for (const [k, v] of extra) files.set(k, v);
    return fakeFetch(files);
  };
  const fields: [string, (m: M, p: string) => void][] = [
    ['components.transformer.model', (m, p) => { m.components.transformer.model = p; }],
    ['components.text_encoder.config', (m, p) => { m.components.text_encoder.config = p; }],
    ['components.vae_decoder.externalData[0]', (m, p) => { m.components.vae_decoder.externalData = [p]; }],
    ['tokenizer.tokenizer', (m, p) => { m.tokenizer.tokenizer = p; }],
    ['tokenizer.config', (m, p) => { m.tokenizer.config = p; }],
    ['scheduler', (m, p) => { m.scheduler = p; }],
  ];

  it(`refuses ${fields.length} fields x ${HOSTILE_PATHS.length - 1} hostile paths, naming the field, after fetching only the manifest`, async () => {
    let n = 0;
    for (const [field, set] of fields) {
      for (const p of HOSTILE_PATHS.filter((x) => x !== '')) {
        const m = goodManifest();
        set(m, p);
        const f = await serve(m);
        const err = await loadComponents(webSource(BASE, { cacheName: null, fetch: f.fn }), noBackend).catch((e: unknown) => e);
        expect(err, `${field} = ${JSON.stringify(p)}`).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).field).toBe(field);
        expect((err as Error).message).toContain(`${BASE}manifest.json: field "${field}"`);
        expect(f.requested).toEqual([`${BASE}manifest.json`]);
        n++;
      }
    }
    expect(n).toBe(fields.length * (HOSTILE_PATHS.length - 1));
  });

  /** An ONNX model whose initializer, or a Constant node's tensor inside an If branch, keeps its data at `loc`. */
  const evilOnnx = (loc: string, nested: boolean) => {
    const t = { name: 'w', dims: [4], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: loc }, { key: 'offset', value: '0' }, { key: 'length', value: '16' }] };
    const konst = { opType: 'Constant', name: 'k', output: ['y'], attribute: [{ name: 'value', type: 4, t }] };
    const graph = nested
      ? { name: 'g', node: [{ opType: 'If', name: 'if', input: ['c'], output: ['y'], attribute: [{ name: 'then_branch', type: 5, g: { name: 'then', node: [konst] } }] }] }
      : { name: 'g', initializer: [t] };
    return onnxProto.onnx.ModelProto.encode(onnxProto.onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph })).finish();
  };

  it.each([
    ['https://evil.example/w.bin', false], ['//evil.example/w.bin', true], ['../../w.bin', false], ['%2e%2e/%2e%2e/w.bin', true],
    ['..\\w.bin', false], ['/etc/passwd', true], ['model.onnx.data', false], ['', true],
  ] as const)('refuses external data at %j (nested: %s) before ONNX Runtime or fetch sees it', async (loc, nested) => {
    const f = await serve(goodManifest(), [['text_encoder/model.onnx', evilOnnx(loc, nested)]]);
    const err = await loadComponents(webSource(BASE, { cacheName: null, fetch: f.fn }), noBackend).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(new RegExp(`^${BASE}text_encoder/model.onnx: .*tensor "w" keeps its data (at|in) `));
    expect(f.requested.every((u) => u.startsWith(BASE))).toBe(true);
    expect(f.requested).not.toContain(expect.stringContaining('w.bin'));
  });

  it('gives typed errors (never a TypeError) for a manifest that is not JSON or not an object', async () => {
    for (const body of ['{', '[]', '"x"', 'null', '{"format": "sana-ts-onnx"}']) {
      const f = fakeFetch(new Map([['manifest.json', body]]));
      const err = await loadComponents(webSource(BASE, { cacheName: null, fetch: f.fn }), noBackend).catch((e: unknown) => e);
      expect(err, body).toBeInstanceOf(SanaError);
      expect((err as Error).message).toContain(`${BASE}manifest.json`);
    }
  });
});
