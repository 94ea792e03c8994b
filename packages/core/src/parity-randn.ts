// Parity group `randn`: every `randn.<seed>.<shape>` key, exactly; plus the reference file's own read.
import type { ParityGroup } from './parity.js';
import { randn } from './randn.js';

interface RandnCase { seed: number; shape: number[]; key: string }

export const randnParity: ParityGroup = {
  name: 'randn',
  async run(fx, report) {
    const cases = fx.json.randn as RandnCase[];
    // Reading every tensor of reference.safetensors checks the reader against the file's header.
    let read = 0;
    for (const k of fx.tensors.keys()) { await fx.tensors.get(k); read++; }
    report.compare(`safetensors read (${read} tensors)`, [read], [fx.tensors.keys().length], 'exact', 0);
    for (const c of cases) {
      const ref = await fx.tensors.getFloat32(c.key);
      report.compare(c.key, randn(c.shape, c.seed), ref, 'exact', 0);
    }
  },
};
