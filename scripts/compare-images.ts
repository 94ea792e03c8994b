// `tsx scripts/compare-images.ts A.png B.png [A.f32 B.f32]`: PSNR of B against A (the reference, e.g. CPU fp32), JSON.
// Pairs are taken in order; .png pairs compare R, G, B with peak 255, .f32 pairs (raw float32 latents from
// gpu-bench --save-dir) with peak = the value range of A. With several .png pairs (the tiles of a large image) a last
// line pools them: one PSNR over all their pixels.
import { readFile } from 'node:fs/promises';
import { ArgumentError } from '@sana/core';
import { decodePng, imagePsnr, latentPsnr } from './image-compare.js';

process.on('uncaughtException', (e) => { console.error(`${e.name}: ${e.message}`); process.exit(1); }); // typed errors, no stack
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!files.length || files.length % 2) {
  throw new ArgumentError('files', 'expected pairs: compare-images.ts REF.png OTHER.png [REF.f32 OTHER.f32]');
}
let pooled = { se: 0, n: 0, pairs: 0, max_abs: 0 };
const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : String(x)); // 'Infinity': identical
for (let i = 0; i < files.length; i += 2) {
  const [a, b] = [files[i], files[i + 1]];
  const ext = (f: string) => f.slice(f.lastIndexOf('.') + 1).toLowerCase();
  if (ext(a) !== ext(b)) throw new ArgumentError('files', `${a} and ${b} are different kinds; pair a .png with a .png and a .f32 with a .f32`);
  const [ba, bb] = await Promise.all([readFile(a), readFile(b)]);
  let r: Record<string, number>;
  if (ext(a) === 'png') {
    const [ia, ib] = [decodePng(ba, a), decodePng(bb, b)];
    r = imagePsnr(ia, ib);
    const n = ia.width * ia.height * 3;
    pooled = { se: pooled.se + r.rmse ** 2 * n, n: pooled.n + n, pairs: pooled.pairs + 1, max_abs: Math.max(pooled.max_abs, r.max_abs) };
  } else if (ext(a) === 'f32') {
    const f = (x: Buffer) => new Float32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
    r = latentPsnr(f(ba), f(bb));
  } else {
    throw new ArgumentError('files', `${a}: expected .png or .f32`);
  }
  console.log(JSON.stringify({ kind: ext(a) === 'png' ? 'image' : 'latents', reference: a, other: b, ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)])) }));
}
if (pooled.pairs > 1) {
  const mse = pooled.se / pooled.n;
  console.log(JSON.stringify({ kind: 'image-pooled', pairs: pooled.pairs, psnr_db: round(mse === 0 ? Infinity : 10 * Math.log10(255 ** 2 / mse)), rmse: round(Math.sqrt(mse)), max_abs: pooled.max_abs }));
}
