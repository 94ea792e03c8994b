// `tsx scripts/compare-images.ts A.png B.png [A.f32 B.f32]`: PSNR of B against A (the reference, e.g. CPU fp32), JSON.
// Pairs are taken in order; .png pairs compare R, G, B with peak 255, .f32 pairs (raw float32 latents from
// gpu-bench --save-dir) with peak = the value range of A.
import { readFile } from 'node:fs/promises';
import { ArgumentError } from '@sana/core';
import { decodePng, imagePsnr, latentPsnr } from './image-compare.js';

process.on('uncaughtException', (e) => { console.error(`${e.name}: ${e.message}`); process.exit(1); }); // typed errors, no stack
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!files.length || files.length % 2) {
  throw new ArgumentError('files', 'expected pairs: compare-images.ts REF.png OTHER.png [REF.f32 OTHER.f32]');
}
const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : String(x)); // 'Infinity': identical
for (let i = 0; i < files.length; i += 2) {
  const [a, b] = [files[i], files[i + 1]];
  const ext = (f: string) => f.slice(f.lastIndexOf('.') + 1).toLowerCase();
  if (ext(a) !== ext(b)) throw new ArgumentError('files', `${a} and ${b} are different kinds; pair a .png with a .png and a .f32 with a .f32`);
  const [ba, bb] = await Promise.all([readFile(a), readFile(b)]);
  let r: Record<string, number>;
  if (ext(a) === 'png') {
    r = imagePsnr(decodePng(ba, a), decodePng(bb, b));
  } else if (ext(a) === 'f32') {
    const f = (x: Buffer) => new Float32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
    r = latentPsnr(f(ba), f(bb));
  } else {
    throw new ArgumentError('files', `${a}: expected .png or .f32`);
  }
  console.log(JSON.stringify({ kind: ext(a) === 'png' ? 'image' : 'latents', reference: a, other: b, ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)])) }));
}
