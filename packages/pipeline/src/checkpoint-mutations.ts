// Test support (not exported): ways to break a diffusers checkpoint folder, as fast-check arbitraries, for the
// public-API fuzz test (issue 9: "no uncaught exception escapes the public API").
import fc from 'fast-check';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export type Files = Map<string, Uint8Array>;

/** One way to break one file. Plain data, so fast-check prints a failing case readably. */
export type Mutation =
  | { readonly kind: 'delete' | 'empty' | 'dir' | 'symlink-out'; readonly file: string }
  | { readonly kind: 'truncate'; readonly file: string; readonly frac: number }
  | { readonly kind: 'flip'; readonly file: string; readonly at: readonly number[]; readonly inHeader: boolean }
  | { readonly kind: 'text'; readonly file: string; readonly text: string }
  | { readonly kind: 'json'; readonly file: string; readonly pick: number; readonly value: unknown; readonly remove: boolean }
  | { readonly kind: 'header'; readonly file: string; readonly op: HeaderOp };

export type HeaderOp =
  | { readonly op: 'swap-shapes'; readonly a: number; readonly b: number }
  | { readonly op: 'shape'; readonly t: number; readonly shape: unknown }
  | { readonly op: 'dtype'; readonly t: number; readonly dtype: unknown }
  | { readonly op: 'offsets'; readonly t: number; readonly offsets: unknown }
  | { readonly op: 'drop' | 'rename'; readonly t: number }
  | { readonly op: 'add'; readonly entry: unknown }
  | { readonly op: 'metadata'; readonly value: unknown }
  | { readonly op: 'length'; readonly length: number }
  | { readonly op: 'not-json' };

const hostileValue = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1, 2, 3, 7, 0.5, -0.5, 1e9, -1e9, 2 ** 53, 1e308, -1e308, '', 'x', '1', 'silu', 'NaN', [], [0], [-1], [1, 2], {}, { a: 1 }, [[]], [null]),
  fc.integer({ min: -3, max: 1 << 20 }), fc.double({ noNaN: true }), fc.string({ maxLength: 8 }), fc.array(fc.integer({ min: -2, max: 70 }), { maxLength: 7 }),
  fc.anything({ maxDepth: 2 }),
);

const dims = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 5 }),
  fc.constantFrom([], [0], [-1], [2 ** 40, 2 ** 40], [1.5], ['8'], null, 'x', [2 ** 53 + 2]),
  fc.anything({ maxDepth: 1 }),
);

const headerOp: fc.Arbitrary<HeaderOp> = fc.oneof(
  fc.record({ op: fc.constant('swap-shapes' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ op: fc.constant('shape' as const), t: fc.nat(), shape: dims }),
  fc.record({ op: fc.constant('dtype' as const), t: fc.nat(), dtype: fc.oneof(fc.constantFrom('F16', 'BF16', 'F64', 'I64', 'I8', 'U8', 'BOOL', 'F8_E4M3', 'XX', ''), fc.anything({ maxDepth: 0 })) }),
  fc.record({ op: fc.constant('offsets' as const), t: fc.nat(), offsets: fc.oneof(fc.tuple(fc.integer({ min: -8, max: 3_000_000 }), fc.integer({ min: -8, max: 3_000_000 })), fc.anything({ maxDepth: 1 })) }),
  fc.record({ op: fc.constantFrom('drop' as const, 'rename' as const), t: fc.nat() }),
  fc.record({ op: fc.constant('add' as const), entry: fc.oneof(fc.record({ dtype: fc.constant('F32'), shape: dims, data_offsets: fc.tuple(fc.nat(4000), fc.nat(4000)) }), fc.anything({ maxDepth: 1 })) }),
  fc.record({ op: fc.constant('metadata' as const), value: fc.anything({ maxDepth: 1 }) }),
  fc.record({ op: fc.constant('length' as const), length: fc.oneof(fc.constantFrom(0, 1, 2 ** 32, 2 ** 53, 2 ** 64), fc.integer({ min: 0, max: 3_000_000 })) }),
  fc.record({ op: fc.constant('not-json' as const) }),
);

/** Mutations over the files of `files` (its keys: paths relative to the checkpoint folder). */
export function mutationArb(files: Files): fc.Arbitrary<Mutation> {
  const all = [...files.keys()].sort();
  const json = all.filter((f) => f.endsWith('.json'));
  const st = all.filter((f) => f.endsWith('.safetensors'));
  const file = fc.constantFrom(...all);
  const arbs: fc.WeightedArbitrary<Mutation>[] = [
    { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('delete' as const, 'empty' as const, 'dir' as const, 'symlink-out' as const), file }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), file, frac: fc.double({ min: 0, max: 0.999, noNaN: true }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('flip' as const), file, at: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), inHeader: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), file: fc.constantFrom(...json), text: fc.constantFrom('', '{', 'null', '[]', '42', '"x"', '{"a":', 'NaN', '\u0000', '{"_class_name": 1}') }) },
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('json' as const), file: fc.constantFrom(...json), pick: fc.nat(), value: hostileValue, remove: fc.boolean() }) },
  ];
  if (st.length) arbs.push({ weight: 6, arbitrary: fc.record({ kind: fc.constant('header' as const), file: fc.constantFrom(...st), op: headerOp }) });
  return fc.oneof(...arbs);
}

/** Every (parent, key) of a JSON value down to `depth`, so a mutation can pick one by index. */
function slots(v: unknown, depth = 4, out: [Record<string, unknown> | unknown[], string | number][] = []) {
  if (depth === 0 || typeof v !== 'object' || v === null) return out;
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([v, i]); slots(x, depth - 1, out); });
  else for (const [k, x] of Object.entries(v)) { out.push([v as Record<string, unknown>, k]); slots(x, depth - 1, out); }
  return out;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function safetensorsParts(b: Uint8Array) {
  const n = Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
  return { header: JSON.parse(dec.decode(b.subarray(8, 8 + n))) as Record<string, unknown>, data: b.subarray(8 + n), n };
}

function withHeader(header: string, data: Uint8Array, length?: number): Uint8Array {
  const h = enc.encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(length ?? h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function mutateHeader(bytes: Uint8Array, op: HeaderOp): Uint8Array {
  const { header, data, n } = safetensorsParts(bytes);
  const keys = Object.keys(header).filter((k) => k !== '__metadata__');
  const entry = (i: number) => header[keys[i % keys.length]] as Record<string, unknown>;
  switch (op.op) {
    case 'swap-shapes': { const a = entry(op.a); const b = entry(op.b); [a.shape, b.shape] = [b.shape, a.shape]; break; }
    case 'shape': entry(op.t).shape = op.shape; break;
    case 'dtype': entry(op.t).dtype = op.dtype; break;
    case 'offsets': entry(op.t).data_offsets = op.offsets; break;
    case 'drop': delete header[keys[op.t % keys.length]]; break;
    case 'rename': { const k = keys[op.t % keys.length]; header[`${k}.renamed`] = header[k]; delete header[k]; break; }
    case 'add': header['extra.weight'] = op.entry; break;
    case 'metadata': header.__metadata__ = op.value; break;
    case 'length': return withHeader(dec.decode(bytes.subarray(8, 8 + n)), data, op.length);
    case 'not-json': return withHeader(`{"a": ${' '.repeat(n - 7)}`, data);
  }
  return withHeader(JSON.stringify(header), data);
}

/** Writes `files` into `dir` with `mutations` applied. */
export async function writeMutated(files: Files, dir: string, mutations: readonly Mutation[]): Promise<void> {
  const out = new Map(files);
  const special: Mutation[] = [];
  for (const m of mutations) {
    const b = out.get(m.file);
    if (b === undefined) continue; // deleted or replaced by an earlier mutation
    switch (m.kind) {
      case 'delete': case 'dir': case 'symlink-out': out.delete(m.file); special.push(m); break;
      case 'empty': out.set(m.file, new Uint8Array(0)); break;
      case 'truncate': out.set(m.file, b.subarray(0, Math.floor(b.length * m.frac))); break;
      case 'flip': {
        const c = Uint8Array.from(b);
        const span = m.inHeader && m.file.endsWith('.safetensors') ? Math.min(c.length, 8 + safetensorsParts(b).n) : c.length;
        for (const a of m.at) if (span) c[a % span] ^= 1 + (a % 255);
        out.set(m.file, c);
        break;
      }
      case 'text': out.set(m.file, enc.encode(m.text)); break;
      case 'json': {
        let v: unknown;
        try { v = JSON.parse(dec.decode(b)); } catch {
          try { v = JSON.parse(dec.decode(b).replace(/-?Infinity|NaN/g, 'null')); } catch { break; } // Python's bare -Infinity
        }
        const s = slots(v);
        if (!s.length) break;
        const [parent, key] = s[m.pick % s.length];
        if (m.remove && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key];
        else (parent as Record<string | number, unknown>)[key] = m.value;
        out.set(m.file, enc.encode(JSON.stringify(v)));
        break;
      }
      case 'header': {
        try { out.set(m.file, mutateHeader(b, m.op)); } catch { /* header already broken by an earlier mutation */ }
        break;
      }
    }
  }
  for (const [rel, b] of out) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), b);
  }
  for (const m of special) {
    await mkdir(dirname(join(dir, m.file)), { recursive: true });
    if (m.kind === 'dir') await mkdir(join(dir, m.file), { recursive: true });
    if (m.kind === 'symlink-out') await symlink('/etc/hostname', join(dir, m.file));
  }
}

export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });
