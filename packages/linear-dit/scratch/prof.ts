import { createBackend, randn, serializeModel, tensor } from '@sana/core';
import { readFileSync, readdirSync } from 'node:fs';
import { SANA_600M_1024PX } from '../src/config.js';
import { buildTransformerGraph } from '../src/sana-transformer.js';
import { SanaTransformer } from '../src/transformer-session.js';
import { RandomWeights } from '../src/weights.js';
const config = { ...SANA_600M_1024PX, numLayers: 3 };
const g = await buildTransformerGraph(config, new RandomWeights(config, 0));
const hw = Number(process.argv[2] ?? 32);
const s = await (await createBackend('cpu')).createSession(serializeModel(g).model, { extra: { enableProfiling: true, profileFilePrefix: '/tmp/ditprof' } });
const dit = new SanaTransformer(s, config, 'float32');
const inputs = { hiddenStates: tensor('float32', randn([2, 32, hw, hw], 1), [2, 32, hw, hw]), timestep: 999, encoderHiddenStates: tensor('float32', randn([2, 300, 2304], 2), [2, 300, 2304]) };
for (let i = 0; i < 3; i++) { const t0 = performance.now(); await dit.forward(inputs); console.log('ms', performance.now() - t0); }
await s.release();
const f = readdirSync('/tmp').filter((x) => x.startsWith('ditprof')).sort().pop()!;
const ev = JSON.parse(readFileSync('/tmp/' + f, 'utf8')) as { cat: string; name: string; dur: number; args: { op_name?: string } }[];
const by = new Map<string, number>();
for (const e of ev) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) { const k = e.args.op_name + ' ' + e.name.replace(/_kernel_time$/, '').replace(/transformer_blocks\.\d+\./, 'B.').replace(/_\d+$/, ''); by.set(k, (by.get(k) ?? 0) + e.dur / 3000); }
const tot = [...by.values()].reduce((a, b) => a + b, 0);
console.log('total ms/run (3 layers)', tot.toFixed(0));
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(v.toFixed(1).padStart(8), (100 * v / tot).toFixed(1).padStart(5) + '%', k);
