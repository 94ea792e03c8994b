// The browser example in headless Chromium: builds the page with Vite, serves it with the reference fixtures, runs
// the reference generation on onnxruntime-web in the page and checks its pixels against `pipe.image`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { float32, openFixture } from '@sana/core';
import { SanaPipeline } from '@sana/pipeline';
import { REFERENCE_DIR, fixtureMiddleware, sendFile } from '../fixture-server.js';
import type { FixtureOptions, FixtureReport } from '../src/fixture-types.js';

const CHROMIUM = '/usr/bin/chromium';
const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const IMAGE_TOL = 2e-3; // the fixtures' tolerance for final images (fixtures/README.reference.md)
const NODE_TOL = 1e-4; // onnxruntime-web against onnxruntime-node CPU: the same graphs, other kernels (measured ~2e-6 wasm, ~2e-5 WebGPU)
const BASE_ARGS = ['--no-sandbox', '--headless', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
// WebGPU without a GPU: Chromium's Vulkan on SwiftShader (shipped in Debian's chromium). Slow (minutes), so opt-in.
const SWIFTSHADER_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader'];
const CACHE = 'sana-browser-test';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIPPED examples/browser/test/browser.test.ts: ${CHROMIUM} is missing (Debian: apt-get install -y chromium)`);
const webgpu = process.env.SANA_BROWSER_WEBGPU === '1';
if (haveChromium && !webgpu) console.warn('SKIPPED the WebGPU (SwiftShader) case of examples/browser: it takes minutes; set SANA_BROWSER_WEBGPU=1 to run it');

/** A static server for the built page plus the fixture mounts (/models/sana/, /fixtures/), on a random port. */
async function serve(dist: string): Promise<{ server: Server; origin: string }> {
  const fixtures = fixtureMiddleware();
  const server = createServer((req, res) => {
    fixtures(req, res, () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      sendFile(dist, path === '/' ? 'index.html' : path.slice(1), req, res).catch((e: Error) => res.writeHead(500).end(e.message));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The reference generation through onnxruntime-node: tells a browser-runtime problem from a pipeline one. */
async function nodePixels(): Promise<{ pixels: Float32Array; vsReference: number }> {
  const fx = await openFixture(REFERENCE_DIR);
  const p = fx.json.pipeline;
  const pipe = await SanaPipeline.fromPretrained(fx.path('sana'), { device: 'cpu' });
  // The fixture's own text conditioning, as the page uses it (see examples/browser/src/fixture.ts).
  const t = (k: string) => fx.tensors.get(k);
  const promptEmbeds = { embeds: await t('prompt.embeds'), mask: await t('prompt.mask'), negEmbeds: await t('prompt.neg_embeds'), negMask: await t('prompt.neg_mask') };
  const r = await pipe.generate({
    promptEmbeds, negativePrompt: p.negative_prompt, width: p.width, height: p.height, steps: p.steps,
    guidanceScale: p.guidance_scale, latents: float32(await fx.tensors.getFloat32('pipe.latents0'), fx.json.tensors['pipe.latents0']),
    complexHumanInstruction: fx.json.complex_human_instruction, maxSequenceLength: fx.json.max_sequence_length,
    useResolutionBinning: false, seed: fx.json.seed,
  });
  await pipe.release();
  return { pixels: r.pixels, vsReference: maxAbs(r.pixels, await fx.tensors.getFloat32('pipe.image')) };
}

describe.skipIf(!haveChromium)('browser example (headless Chromium)', () => {
  let tmp: string;
  let server: Server;
  let origin: string;
  let node: Promise<{ pixels: Float32Array; vsReference: number }> | undefined;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'sana-browser-'));
    const dist = join(tmp, 'dist');
    await build({ configFile: join(exampleDir, 'vite.config.ts'), build: { outDir: dist, emptyOutDir: true }, logLevel: 'warn' });
    ({ server, origin } = await serve(dist));
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** Opens the page in a fresh profile, runs the fixture, returns the report, the page and its console lines. */
  async function runInPage(name: string, args: string[], o: FixtureOptions): Promise<{ report: FixtureReport; seconds: number; page: Page; context: BrowserContext; log: string[] }> {
    const context = await chromium.launchPersistentContext(join(tmp, `profile-${name}`), { executablePath: CHROMIUM, headless: true, args });
    // onnxruntime-web runs wasm on min(4, cores / 2) threads: claim 4 cores so the threaded path (a worker per extra
    // thread, loading ORT's chunk) is what runs, on a 2-core CI machine too.
    await context.addInitScript('Object.defineProperty(navigator, "hardwareConcurrency", { get: () => 4 })');
    const log: string[] = [];
    const page = await context.newPage();
    page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
    await page.goto(`${origin}/?device=${o.device}`);
    await page.waitForFunction(() => typeof window.runFixture === 'function');
    const t0 = performance.now();
    try {
      const report = await page.evaluate((opts) => window.runFixture(opts), o);
      return { report, seconds: (performance.now() - t0) / 1000, page, context, log };
    } catch (e) {
      await context.close();
      throw new Error(`${(e as Error).message}\npage console:\n${log.join('\n')}`);
    }
  }

  /** Prints the measurements and checks the pixels against the reference and against onnxruntime-node. */
  async function check(name: string, report: FixtureReport, seconds: number, log: string[]) {
    const b = Buffer.from(report.pixelsBase64, 'base64');
    const pixels = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    const n = await (node ??= nodePixels()); // after the page run, so the two do not share the CPU
    const browserVsNode = maxAbs(pixels, n.pixels);
    const { pixelsBase64: _, ...shown } = report;
    console.log(`${name} page log:\n${log.join('\n')}`);
    console.log(`${name}: ${JSON.stringify({ pageSeconds: +seconds.toFixed(2), browserVsReference: report.maxAbsImage, browserVsNode, nodeVsReference: n.vsReference, ...shown })}`);
    expect(report.pixelDims).toEqual([2, 3, 128, 192]);
    expect(browserVsNode).toBeLessThanOrEqual(NODE_TOL);
    expect(report.maxAbsImage).toBeLessThanOrEqual(IMAGE_TOL);
  }

  it('wasm: generates the reference image within 2e-3 of pipe.image, with progress, images and cached files', async () => {
    const { report, seconds, page, context, log } = await runInPage('wasm', [...BASE_ARGS, '--disable-gpu'], { device: 'wasm', cacheName: CACHE });
    try {
      expect(report.device).toBe('wasm');
      expect(report.denoiseLoop).toBe('host'); // wasm: host tensors, the TypeScript samplers
      expect(report.crossOriginIsolated).toBe(true);
      expect(page.workers().map((w) => new URL(w.url()).pathname)).toContainEqual(expect.stringMatching(/\/assets\/onnxruntime-web-[\w-]+\.js$/));
      // What the page shows: the last step, one canvas per image, a PNG link, download progress of the last file.
      expect(await page.textContent('#step-text')).toMatch(/^6 \/ 6/);
      expect(await page.locator('#images canvas').count()).toBe(2);
      expect(await page.getAttribute('#png', 'hidden')).toBeNull();
      expect(await page.textContent('#download-text')).toMatch(/vae\/diffusion_pytorch_model\.safetensors: .* in \d+ files/);
      // The Cache API holds every downloaded file, so a reload skips the download.
      const cached = await page.evaluate(async (name) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname), CACHE);
      for (const f of ['model_index.json', 'text_encoder/model.safetensors', 'transformer/diffusion_pytorch_model.safetensors', 'vae/diffusion_pytorch_model.safetensors']) {
        expect(cached).toContain(`/models/sana/${f}`);
      }
      // The form: Generate loads the model at the URL field (cached this time) and draws one image of the asked size.
      const t0 = performance.now();
      for (const [id, v] of [['prompt', 'a green square'], ['width', '64'], ['height', '32'], ['steps', '2'], ['max-tokens', '16']]) await page.fill(`#${id}`, v);
      await page.click('#generate');
      await page.waitForFunction(() => /generated in|error/.test(document.getElementById('log')!.textContent ?? ''), null, { timeout: 60_000 });
      expect(await page.textContent('#log')).not.toMatch(/error/);
      expect(await page.textContent('#step-text')).toMatch(/^2 \/ 2/);
      expect(await page.locator('#images canvas').evaluateAll((cs) => cs.map((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]))).toEqual([[64, 32]]);
      console.log(`form generation (load + 2 steps at 64x32): ${((performance.now() - t0) / 1000).toFixed(2)} s`);

      await check('wasm', report, seconds, log); // last: the reference comparison
    } finally {
      await context.close();
    }
  }, 300_000);

  it.skipIf(!webgpu)('webgpu (SwiftShader): generates the reference image within 2e-3 of pipe.image', async () => {
    const { report, seconds, context, log } = await runInPage('webgpu', [...BASE_ARGS, ...SWIFTSHADER_ARGS], { device: 'webgpu' });
    try {
      expect(report.device).toBe('webgpu');
      expect(report.denoiseLoop).toBe('device'); // latents, text states and solver history stay in GPU buffers
      await check('webgpu', report, seconds, log);
    } finally {
      await context.close();
    }
  }, 600_000);
});
