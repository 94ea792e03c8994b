// Fuzzing the converted-model manifest parser: any JSON gives a typed error or a manifest whose every
// path is a plain relative path inside the model folder; through the browser source, nothing outside the
// base URL is ever requested.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SanaError, type Backend } from '@sana/core';
import { parseManifest, CONVERTED_COMPONENTS } from './manifest.js';
import { loadComponents } from './components.js';
import { webSource } from './web-model-source.js';

const CASES = Number(process.env.SANA_FUZZ_CASES ?? 4000);
const pathish = fc.oneof(
  fc.constantFrom('transformer/model.onnx', '../x', '/etc/passwd', 'a/../../b', 'C:\\x', 'https://e.x/a', 'a\\b', '', '.', './a/b', 'a//b',
    '//evil.example/x', '%2e%2e/x', 'a/.%2E/%2e%2e/b', '..%2fx', '.\t./x', './https:/evil.example/x', 'http:x', 'x?y=/../..', 'x#/..'),
  // Paths glued from the pieces URL parsers and servers treat specially.
  fc.array(fc.constantFrom('..', '.', '', '%2e', '%2E%2e', '%2f', '%5c', '\\', '\t', '\n', ':', 'https:', '?', '#', '@', 'evil.example', 'a', 'model.onnx'), { minLength: 1, maxLength: 6 })
    .map((xs) => xs.join('/')),
  fc.string({ maxLength: 12 }), fc.anything(),
);
const component = fc.record({ model: pathish, externalData: fc.oneof(fc.array(pathish, { maxLength: 3 }), fc.anything()), config: pathish, floatType: fc.oneof(fc.constantFrom('float32', 'float16', 'int8'), fc.anything()) }, { requiredKeys: [] });
const manifest = fc.record({
  format: fc.oneof(fc.constant('sana-ts-onnx'), fc.anything()),
  version: fc.oneof(fc.constant(1), fc.anything()),
  pipeline: fc.oneof(fc.constantFrom('SanaPipeline', 'SanaSprintPipeline', 'X'), fc.anything()),
  components: fc.oneof(fc.record({ text_encoder: component, transformer: component, vae_decoder: component }, { requiredKeys: [] }), fc.anything()),
  tokenizer: fc.oneof(fc.record({ tokenizer: pathish, config: pathish }, { requiredKeys: [] }), fc.anything()),
  scheduler: pathish,
}, { requiredKeys: [] });

/** Well-formed except for the paths, so the containment checks (not the type checks) decide. */
const pathsOnly = fc.record({
  format: fc.constant('sana-ts-onnx'), version: fc.constant(1), pipeline: fc.constant('SanaPipeline'),
  components: fc.record(Object.fromEntries(['text_encoder', 'transformer', 'vae_decoder'].map((c) => [c, fc.record({
    model: fc.oneof(pathish, fc.constant(`${c}/model.onnx`)), externalData: fc.array(fc.oneof(pathish, fc.constant(`${c}/model.onnx.data`)), { maxLength: 2 }),
    config: fc.oneof(pathish, fc.constant(`${c}/config.json`)), floatType: fc.constant('float32'),
  })]))),
  tokenizer: fc.record({ tokenizer: fc.oneof(pathish, fc.constant('tokenizer/tokenizer.json')) }),
  scheduler: fc.oneof(pathish, fc.constant('scheduler/scheduler_config.json')),
});

// eslint-disable-next-line no-control-regex
const plain = (p: string) => p.length > 0 && !p.startsWith('/') && !p.includes('\\') && !p.split('/').includes('..') && !/^[a-z][a-z0-9+.-]*:/i.test(p)
  && !/%[0-9a-f]{2}/i.test(p) && !/[\x00-\x1f\x7f?#]/.test(p);

describe('manifest parser under fuzzing', () => {
  it(`gives typed errors or contained paths for ${CASES} manifests`, () => {
    let cases = 0;
    let accepted = 0;
    fc.assert(fc.property(fc.oneof(pathsOnly, pathsOnly, manifest, fc.anything()), (m) => {
      cases++;
      try {
        const r = parseManifest(m, 'fuzz/manifest.json');
        accepted++;
        const paths = [r.scheduler, r.tokenizer.tokenizer, ...(r.tokenizer.config ? [r.tokenizer.config] : []),
          ...CONVERTED_COMPONENTS.flatMap((c) => [r.components[c].model, r.components[c].config, ...r.components[c].externalData])];
        for (const p of paths) expect(plain(p), p).toBe(true);
      } catch (e) {
        if (!(e instanceof SanaError)) throw e;
      }
    }), { numRuns: CASES, seed: 11 });
    console.log(`manifest fuzz: ${cases} cases, 0 crashes (${accepted} accepted)`);
    expect(cases).toBe(CASES);
    expect(accepted).toBeGreaterThan(0);
  });
});

/** Mostly well-formed manifests (so loading gets past the parser and requests the files they name), each path
 * sometimes hostile, sometimes a contained variation (`./x//y`, other folders). */
const contained = (p: string) => fc.constantFrom(p, `./${p}`, p.replace('/', '//'), `other/${p}`, `a/./${p}`);
const mostlyValid = fc.record({
  format: fc.constant('sana-ts-onnx'), version: fc.constant(1), pipeline: fc.constant('SanaPipeline'),
  components: fc.record(Object.fromEntries(['text_encoder', 'transformer', 'vae_decoder'].map((c) => [c, fc.record({
    model: fc.oneof({ arbitrary: contained(`${c}/model.onnx`), weight: 20 }, { arbitrary: pathish, weight: 1 }),
    externalData: fc.array(fc.oneof({ arbitrary: contained(`${c}/model.onnx.data`), weight: 20 }, { arbitrary: pathish, weight: 1 }), { maxLength: 2 }),
    config: fc.oneof({ arbitrary: contained(`${c}/config.json`), weight: 20 }, { arbitrary: pathish, weight: 1 }), floatType: fc.constant('float32'),
  })]))),
  tokenizer: fc.record({
    tokenizer: fc.oneof({ arbitrary: contained('tokenizer/tokenizer.json'), weight: 20 }, { arbitrary: pathish, weight: 1 }),
    config: fc.oneof({ arbitrary: contained('tokenizer/tokenizer_config.json'), weight: 20 }, { arbitrary: pathish, weight: 1 }),
  }, { requiredKeys: ['tokenizer'] }),
  scheduler: fc.oneof({ arbitrary: contained('scheduler/scheduler_config.json'), weight: 20 }, { arbitrary: pathish, weight: 1 }),
});

describe('manifest loading from a URL under fuzzing', () => {
  const WEB_CASES = Math.ceil(CASES / 4);
  const fixture = fileURLToPath(new URL('../../../fixtures/reference/sana/', import.meta.url));
  const served = Object.fromEntries(['scheduler/scheduler_config.json', 'tokenizer/tokenizer.json', 'tokenizer/tokenizer_config.json', 'text_encoder/config.json']
    .map((rel) => [rel.slice(rel.indexOf('/') + 1), readFileSync(join(fixture, rel), 'utf8')]));
  const BASE = 'https://models.example/org/sana/';
  const noBackend: Backend = { runtime: 'onnxruntime-web', device: 'wasm', createSession: () => { throw new Error('no session expected: every file but the manifest is 404'); } };

  it(`requests nothing outside the base URL for ${WEB_CASES} manifests`, async () => {
    let cases = 0;
    let requests = 0;
    let deep = 0;
    await fc.assert(fc.asyncProperty(fc.oneof(mostlyValid, mostlyValid, pathsOnly, manifest), async (m) => {
      cases++;
      const requested: string[] = [];
      const fetch = (async (u: string) => {
        requested.push(String(u));
        if (String(u) === `${BASE}manifest.json`) return new Response(JSON.stringify(m));
        // Configs and tokenizer by file name, wherever the manifest put them; the ONNX files are missing.
        const body = served[String(u).slice(String(u).lastIndexOf('/') + 1)];
        return body === undefined ? new Response('', { status: 404 }) : new Response(body);
      }) as unknown as typeof globalThis.fetch;
      const err = await loadComponents(webSource(BASE, { cacheName: null, fetch }), noBackend).then(() => undefined, (e: unknown) => e);
      // Every file but the manifest is missing, so loading always fails; it must fail typed.
      if (!(err instanceof SanaError)) throw err;
      requests += requested.length;
      if (requested.some((u) => u.endsWith('.onnx'))) deep++;
      for (const u of requested) {
        const url = new URL(u);
        expect(url.origin + url.pathname, u).toMatch(new RegExp(`^${BASE}`));
        expect(url.search + url.hash, u).toBe('');
        expect(decodeURIComponent(url.pathname).split('/'), u).not.toContain('..');
      }
    }), { numRuns: WEB_CASES, seed: 12 });
    console.log(`manifest web fuzz: ${cases} cases, ${requests} requests, 0 outside the base, 0 crashes (${deep} reached an ONNX file)`);
    expect(cases).toBe(WEB_CASES);
    expect(deep).toBeGreaterThan(WEB_CASES / 10);
  });
});
