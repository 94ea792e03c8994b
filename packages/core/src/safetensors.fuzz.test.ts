// Fuzzing the safetensors reader: random and mutated files must give a typed FormatError/WeightError or a
// valid read, never another exception, a hang, or an allocation sized by the file's own claims.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SafetensorsFile, serializeSafetensors } from './safetensors.js';
import { float32, tensor } from './cpu-tensor.js';
import { SanaError } from './errors.js';

const CASES = Number(process.env.SANA_FUZZ_CASES ?? 12_000);

const seedFile = serializeSafetensors({
  'a.weight': float32([1, 2, 3, 4, 5, 6], [2, 3]),
  'b.half': tensor('float16', new Uint16Array([0x3c00, 0xc000, 1, 2]), [2, 2]),
  'c.ids': tensor('int64', new BigInt64Array([7n]), [1]),
}, { format: 'pt' });

/** Opens and reads every tensor; returns 'ok' or 'typed-error', throws anything else. */
async function exercise(bytes: Uint8Array): Promise<'ok' | 'typed-error'> {
  try {
    const f = await SafetensorsFile.fromBytes(bytes, 'fuzz.safetensors');
    for (const k of f.keys()) {
      const t = await f.get(k);
      if (t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'bfloat16') await f.getFloat32(k);
    }
    return 'ok';
  } catch (e) {
    if (e instanceof SanaError) return 'typed-error';
    throw e;
  }
}

/** Byte-level mutations of a valid file: flips, overwrites, truncation, insertion. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(src: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = Uint8Array.from(src);
  for (const m of ms) {
    const at = b.length ? m.at % b.length : 0;
    if (m.kind === 'flip' && b.length) b[at] ^= 1 << m.bit;
    else if (m.kind === 'set' && b.length) b[at] = m.value;
    else if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), m.value, ...b.subarray(at)]);
  }
  return b;
}

/** Headers written as JSON from random field values: the parser's checks, not the JSON tokenizer, get hit. */
const headerEntry = fc.record({
  dtype: fc.oneof(fc.constantFrom('F32', 'F16', 'BF16', 'I64', 'I32', 'I8', 'U8', 'BOOL', 'F64', 'X'), fc.anything()),
  shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 8 }), { maxLength: 4 }), fc.anything()),
  data_offsets: fc.oneof(fc.tuple(fc.integer({ min: -4, max: 80 }), fc.integer({ min: -4, max: 80 })), fc.anything()),
});
const header = fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constant('__metadata__')), fc.oneof(headerEntry, fc.anything()), { maxKeys: 5 });

function withHeader(h: unknown, dataBytes: number, lengthDelta: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(h) ?? 'null');
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, json.length + lengthDelta)), true);
  out.set(json, 8);
  return out;
}

describe('safetensors reader under fuzzing', () => {
  it(`survives ${CASES} mutated and generated files with typed errors only`, async () => {
    let cases = 0;
    let typed = 0;
    await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), async (ms) => {
      cases++;
      if ((await exercise(mutate(seedFile, ms))) === 'typed-error') typed++;
    }), { numRuns: Math.ceil(CASES / 2), seed: 42 });
    await fc.assert(fc.asyncProperty(header, fc.integer({ min: 0, max: 96 }), fc.integer({ min: -3, max: 3 }), async (h, data, delta) => {
      cases++;
      if ((await exercise(withHeader(h, data, delta))) === 'typed-error') typed++;
    }), { numRuns: Math.floor(CASES / 2), seed: 7 });
    // The line CI logs show: how many inputs were tried and that none crashed the reader.
    console.log(`safetensors fuzz: ${cases} cases, 0 crashes (${typed} refused with a typed error)`);
    expect(cases).toBeGreaterThanOrEqual(10_000);
    expect(typed).toBeGreaterThan(0);
  });

  it('refuses a header length near 2^64 without allocating it', async () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, 0xffff_ffff_ffff_fff0n, true);
    expect(await exercise(b)).toBe('typed-error');
  });
});
