// Parity group `dc-ae`: encode / decode of both fixture VAEs against diffusers AutoencoderDC (fp32), plus an fp16 decode.
import { createBackend, float32, type Fixture, type ParityGroup, type ParityReport, type Tensor } from '@sana/core';
import { DcAeDecoder, DcAeEncoder } from './dc-ae.js';
import { openDcAeFolder } from './node.js';

/** Components: 1e-4 of the largest reference magnitude (fixtures/README.reference.md). */
const TOL = 1e-4;
/**
 * fp16 decode (weights and activations fp16; attention and RMSNorm statistics fp32) against the fp32 reference.
 * Measured 2.8e-3 (sana/vae) and 2.6e-3 (vae-shuffle) relmax; 1e-2 leaves room for other weights without hiding a real bug
 * (a wrong op is off by O(1)).
 */
const TOL_FP16 = 1e-2;

async function input(fx: Fixture, keys: string[]): Promise<Tensor<'float32'>> {
  const key = keys.find((k) => fx.tensors.has(k))!;
  return float32(await fx.tensors.getFloat32(key), fx.tensors.info(key).shape);
}

async function checkVae(fx: Fixture, report: ParityReport, folder: string, prefix: string, fp16: boolean) {
  const { config, weights, close } = await openDcAeFolder(fx.path(folder));
  const backend = await createBackend('cpu');
  // Inputs: `<prefix>.image` / `<prefix>.z` when the fixture has them, else the shared `vae.*` ones.
  const image = await input(fx, [`${prefix}.image`, 'vae.image']);
  const z = await input(fx, [`${prefix}.z`, 'vae.z']);
  const enc = await DcAeEncoder.create(backend, config, weights);
  const latent = await enc.encode(image);
  report.compare(`${prefix}.latent`, latent.data, await fx.tensors.getFloat32(`${prefix}.latent`), 'relmax', TOL);
  await enc.release();
  const dec = await DcAeDecoder.create(backend, config, weights);
  const decoded = await fx.tensors.getFloat32(`${prefix}.decoded`);
  report.compare(`${prefix}.decoded`, (await dec.decode(z)).data, decoded, 'relmax', TOL);
  await dec.release();
  if (fp16) {
    const dec16 = await DcAeDecoder.create(backend, config, weights, { floatType: 'float16' });
    report.compare(`${prefix}.decoded (fp16 graph)`, (await dec16.decode(z)).data, decoded, 'relmax', TOL_FP16);
    await dec16.release();
  }
  await close();
}

export const dcAeParity: ParityGroup = {
  name: 'dc-ae',
  async run(fx, report) {
    await checkVae(fx, report, 'sana/vae', 'vae', true);
    await checkVae(fx, report, 'vae-shuffle', 'vaeb', true);
  },
};
