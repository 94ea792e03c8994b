// The example page: load a Sana checkpoint from a URL, show download and step progress, draw the images.
import { encodePng, type DTypeName, type GeneratedImage, type SanaPipeline, type StepInfo } from '@sana/pipeline';
import { deviceParam, loadPipeline, type LoadCallbacks, type PageDevice } from './load.js';
import { runFixture, type FixtureOptions, type FixtureReport } from './fixture.js';

const CACHE_NAME = 'sana-example-models';
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

const ui = {
  model: $<HTMLInputElement>('model'), device: $<HTMLSelectElement>('device'), dtype: $<HTMLSelectElement>('dtype'), cache: $<HTMLInputElement>('cache'),
  load: $<HTMLButtonElement>('load'), generate: $<HTMLButtonElement>('generate'), fixture: $<HTMLButtonElement>('fixture'),
  download: $<HTMLProgressElement>('download'), downloadText: $('download-text'),
  step: $<HTMLProgressElement>('step'), stepText: $('step-text'),
  images: $('images'), png: $<HTMLAnchorElement>('png'), log: $('log'),
};
ui.model.value = params.get('model') ?? new URL('/models/sana/', location.href).href;
ui.device.value = deviceParam() ?? 'auto';
ui.dtype.value = params.get('dtype') === 'fp16' ? 'fp16' : 'fp32';

let pipe: SanaPipeline | undefined;
let loadedKey = '';

const started = performance.now();
/** A line in the page's log and on the console (the test prints the console when the page fails). */
function log(line: string) {
  const stamped = `${((performance.now() - started) / 1000).toFixed(2).padStart(7)} s  ${line}`;
  console.log(stamped);
  ui.log.textContent += `${stamped}\n`;
  ui.log.scrollTop = ui.log.scrollHeight;
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** Progress callbacks that drive the download bar and the log. */
function loadCallbacks(): LoadCallbacks {
  const done = new Map<string, number>();
  return {
    onDownload: ({ file, loaded, total }) => {
      done.set(file, loaded);
      const all = [...done.values()].reduce((a, b) => a + b, 0);
      ui.download.max = total ?? 1;
      ui.download.value = total ? loaded : 0;
      ui.downloadText.textContent = `${file}: ${mib(loaded)}${total ? ` of ${mib(total)}` : ''} (${mib(all)} in ${done.size} files)`;
    },
    onStage: ({ stage, component }) => log(`${stage}: ${component}`),
    log,
  };
}

function onStep(s: StepInfo) {
  ui.step.max = s.steps;
  ui.step.value = s.step + 1;
  ui.stepText.textContent = `${s.step + 1} / ${s.steps} (t = ${s.timestep.toFixed(1)})`;
}

function showImages(images: readonly GeneratedImage[]) {
  ui.images.replaceChildren(...images.map((img) => {
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    c.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(img.rgba), img.width, img.height), 0, 0);
    return c;
  }));
  const first = images[0];
  if (first) {
    URL.revokeObjectURL(ui.png.href);
    ui.png.href = URL.createObjectURL(new Blob([encodePng(first.rgba, first.width, first.height) as BlobPart], { type: 'image/png' }));
    ui.png.hidden = false;
  }
}

async function ensureLoaded(): Promise<SanaPipeline> {
  const key = `${ui.model.value}|${ui.device.value}|${ui.dtype.value}`;
  if (pipe && key === loadedKey) return pipe;
  await pipe?.release();
  pipe = undefined;
  const t0 = performance.now();
  log(`loading ${ui.model.value} (device ${ui.device.value}, ${ui.dtype.value})`);
  const r = await loadPipeline(ui.model.value, ui.device.value as PageDevice, ui.cache.checked ? CACHE_NAME : null, loadCallbacks(), ui.dtype.value as DTypeName);
  log(`loaded on ${r.device} in ${((performance.now() - t0) / 1000).toFixed(2)} s${globalThis.crossOriginIsolated ? '' : ' (not cross-origin isolated: wasm runs on one thread)'}`);
  pipe = r.pipe;
  loadedKey = key;
  return pipe;
}

const num = (id: string) => Number($<HTMLInputElement>(id).value);

async function generate() {
  const p = await ensureLoaded();
  log(`generating: ${$<HTMLInputElement>('prompt').value}`);
  const r = await p.generate({
    prompt: $<HTMLInputElement>('prompt').value,
    negativePrompt: $<HTMLInputElement>('negative').value,
    width: num('width'), height: num('height'), steps: num('steps'), guidanceScale: num('guidance'), seed: num('seed'),
    maxSequenceLength: num('max-tokens'), useResolutionBinning: $<HTMLInputElement>('binning').checked,
    onStep,
  });
  const t = r.timings;
  log(`generated in ${t.total.toFixed(2)} s (text ${t.textEncoder.toFixed(2)}, denoise ${t.denoise.toFixed(2)}, decode ${t.decode.toFixed(2)})`);
  showImages(r.images);
}

/** The reference fixture with the exact reference arguments; shows and returns its error report. */
async function fixture(o: FixtureOptions = {}): Promise<FixtureReport> {
  log('fixture: loading the reference checkpoint and tensors');
  const { report, result } = await runFixture({ device: ui.device.value as PageDevice, ...o }, { ...loadCallbacks(), onStep });
  showImages(result.images);
  const { pixelsBase64: _, ...shown } = report;
  log(`fixture: ${JSON.stringify(shown)}`);
  return report;
}

/** Runs `fn` with the buttons off; errors go to the log (with their stable code) and are re-thrown. */
async function busy<T>(fn: () => Promise<T>): Promise<T> {
  const buttons = [ui.load, ui.generate, ui.fixture];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    return await fn();
  } catch (e) {
    const err = e as Error & { code?: string };
    log(`error${err.code ? ` ${err.code}` : ''}: ${err.message}`);
    throw e;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

const quiet = (p: Promise<unknown>) => { p.catch(() => {}); };
ui.load.onclick = () => quiet(busy(ensureLoaded));
ui.generate.onclick = () => quiet(busy(generate));
ui.fixture.onclick = () => quiet(busy(() => fixture()));

window.runFixture = (o) => busy(() => fixture(o));
if (params.get('fixture') === '1') {
  window.runFixture().then(
    (r) => { window.fixtureResult = r; },
    (e: Error) => { window.fixtureResult = { error: e.message }; },
  );
}
