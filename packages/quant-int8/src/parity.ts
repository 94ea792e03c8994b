// Parity group `int8`: each component quantized by the pass, on the fixture inputs, against the fp32 reference outputs.
import type { ParityGroup } from '@sana/core';
import type { Component } from './policy.js';
import { quantizeGraph, type QuantizeOptions } from './quantize.js';
import { QUALITY_VARIANTS, fixtureCases } from './quality.js';

/**
 * relmax tolerances of INT8 against the fp32 reference. Measured on the fixtures: DiT 0.6-1.1e-2, text encoder
 * 1.2-2.0e-2 (the fixture's te.* tensors are themselves 1.0e-2 off: a known defect), DC-AE decoder 0.06-0.19 (a
 * random-weight decoder that amplifies any weight perturbation; fp16 alone gives 2.8e-3). A wrong scale or layout
 * is off by O(1).
 */
const TOL: Readonly<Record<Component, number>> = { transformer: 3e-2, textEncoder: 5e-2, vae: 0.3 };

export const int8Parity: ParityGroup = {
  name: 'int8',
  async run(fx, report) {
    for (const c of fixtureCases(fx)) {
      const ref = await fx.tensors.getFloat32(c.key);
      for (const v of QUALITY_VARIANTS) {
        if (!v.options) continue;
        try {
          const g = await c.build();
          quantizeGraph(g, { ...v.options, component: c.component } as QuantizeOptions);
          report.compare(`${c.key} (${v.name})`, await c.run(g), ref, 'relmax', TOL[c.component]);
        } catch (e) {
          report.fail(`${c.key} (${v.name})`, e);
        }
      }
    }
  },
};
