// Bench target `shapes-samplers` (not in the default run): the paper's sampler and precision claims on the
// sana-shapes domain, as compositional accuracy of the embedded model on a proportional subset of the eval prompts.
import type { BenchTarget } from './bench-targets.js';
import { SAMPLER_TABLE, accuracyOf, evalPromptSet, loadShapesModel, withInt8Transformer } from './shapes-eval.js';

export const shapesSamplersBench: BenchTarget = {
  name: 'shapes-samplers',
  description: 'sana-shapes accuracy: Flow-DPM-Solver 5/10/14/20 vs Flow-Euler 10/20/28/50 steps, fp32 vs int8 (60 prompts; --quick 12)',
  default: false,
  async run(ctx) {
    const prompts = evalPromptSet(ctx.quick ? 12 : 60);
    const parts = await loadShapesModel({ device: ctx.device, threads: ctx.threads });
    const rows: Record<string, unknown> = { prompts: prompts.length };
    for (const s of SAMPLER_TABLE) {
      const r = await accuracyOf(parts, s, prompts);
      rows[s.name] = { accuracy: r.accuracy, ignoring_shape: r.accuracyIgnoringShape, s_per_image: Number(r.secondsPerImage.toFixed(3)) };
    }
    const q = await withInt8Transformer(parts, undefined, { device: ctx.device, threads: ctx.threads });
    const r = await accuracyOf(q, { name: 'flow-dpm-solver 20, int8 transformer', steps: 20 }, prompts);
    rows['flow-dpm-solver 20, int8 transformer'] = { accuracy: r.accuracy, ignoring_shape: r.accuracyIgnoringShape, s_per_image: Number(r.secondsPerImage.toFixed(3)) };
    return rows;
  },
};
