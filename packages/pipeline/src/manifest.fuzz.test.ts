// Fuzzing the converted-model manifest parser: any JSON gives a typed error or a manifest whose every
// path is a plain relative path inside the model folder.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SanaError } from '@sana/core';
import { parseManifest, CONVERTED_COMPONENTS } from './manifest.js';

const CASES = Number(process.env.SANA_FUZZ_CASES ?? 4000);
const pathish = fc.oneof(
  fc.constantFrom('transformer/model.onnx', '../x', '/etc/passwd', 'a/../../b', 'C:\\x', 'https://e.x/a', 'a\\b', '', '.', './a/b', 'a//b'),
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

const plain = (p: string) => p.length > 0 && !p.startsWith('/') && !p.includes('\\') && !p.split('/').includes('..') && !/^[a-z][a-z0-9+.-]*:/i.test(p);

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
