// `pnpm tsx packages/quant-int8/scripts/webgpu-check.ts [ort-bundle] [ep]`: runs a graph quantized by the pass
// in Chromium on onnxruntime-web (default: ort.webgpu.mjs on 'webgpu', SwiftShader's software WebGPU adapter)
// and compares it with ORT CPU in Node. Needs Chromium (CHROMIUM, default /usr/bin/chromium) and playwright-core
// (the browser example's devDependency). MODE=cpu|webgpu, ACC=accuracy_level for the webgpu form.
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Graph, compareArrays, createBackend, ops, randn, serializeModel, tensor } from '@sana/core';
import { quantizeGraph } from '../src/index.js';

const root = fileURLToPath(new URL('../../../examples/browser/node_modules/', import.meta.url));
const { chromium } = await import(`${root}playwright-core/index.mjs`);
const [bundle = 'ort.webgpu.mjs', ep = 'webgpu'] = process.argv.slice(2);
const D = 256;
const F = 512;

/** A linear with bias, then a 1x1 conv: both site kinds. */
function graph(): Graph {
  const g = new Graph('check');
  const x = g.input('x', 'float32', [2, 16, D]);
  const q = ops.linear(g, x, 'blocks.0.attn1.to_q', randn([D, D], 1).map((v) => v / 16), D, D, randn([D], 2));
  const img = ops.reshape(g, ops.transpose(g, q, [0, 2, 1]), [0, D, 4, 4]); // [B, N, D] -> [B, D, 4, 4]
  const w = g.weight('ff.conv_inverted.weight', randn([F, D, 1, 1], 4).map((v) => v / 16), [F, D, 1, 1]);
  g.output(ops.conv(g, img, w, g.weight('ff.conv_inverted.bias', randn([F], 5), [F]), { name: 'ff.conv_inverted' }), 'y', 'float32');
  return g;
}

const x = randn([2, 16, D], 9);
const backend = await createBackend('cpu');
const runCpu = async (bytes: Uint8Array) => (await (await backend.createSession(bytes)).run({ x: tensor('float32', x, [2, 16, D]) })).y.data as Float32Array;
const fp32 = await runCpu(serializeModel(graph()).model);
const g = graph();
quantizeGraph(g, process.env.MODE === 'cpu' ? { mode: 'cpu' } : { mode: 'webgpu', accuracyLevel: Number(process.env.ACC ?? 0) });
const model = serializeModel(g).model;
const cpu = await runCpu(model);

const dist = `${root}onnxruntime-web/dist/`;
const server = createServer((req, res) => {
  const p = new URL(req.url!, 'http://x').pathname.slice(1);
  const h = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  if (p === '') return void res.writeHead(200, { ...h, 'Content-Type': 'text/html' }).end('<html></html>');
  if (p === 'model.onnx') return void res.writeHead(200, h).end(Buffer.from(model));
  if (!existsSync(dist + p)) return void res.writeHead(404).end();
  res.writeHead(200, { ...h, 'Content-Type': p.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' }).end(readFileSync(dist + p));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader'],
});
const page = await browser.newPage();
const logs: string[] = [];
page.on('console', (m: { text(): string }) => logs.push(m.text()));
await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
try {
  const y: number[] = await page.evaluate(async ([xs, file, provider]: [number[], string, string]) => {
    const ort = await import(`/${file}`);
    ort.env.wasm.numThreads = 1;
    const bytes = new Uint8Array(await (await fetch('/model.onnx')).arrayBuffer());
    const s = await ort.InferenceSession.create(bytes, { executionProviders: [provider], logSeverityLevel: 0, logVerbosityLevel: 0 });
    return Array.from((await s.run({ x: new ort.Tensor('float32', Float32Array.from(xs), [2, 16, 256]) })).y.data as Float32Array);
  }, [Array.from(x), bundle, ep]);
  const got = Float32Array.from(y);
  console.log(`${bundle} on ${ep}: relmax vs fp32 ${compareArrays(got, fp32, 'relmax').toExponential(2)}, vs the same graph on ORT CPU (Node) ${compareArrays(got, cpu, 'relmax').toExponential(2)}`);
  for (const l of logs.filter((t) => /placed on|Starting program "(DP4A)?MatMulNBits/.test(t)).slice(0, 3)) console.log(l.replace(/^.*\] /, ''));
} catch (e) {
  console.log(`${bundle} on ${ep}: FAILED: ${(e as Error).message.split('\n')[0]}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  server.close();
}
