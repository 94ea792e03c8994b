// Node: writing serialized ONNX models (with external data) and opening sessions for built graphs.
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Backend, Session, SessionOptions } from './backend.js';
import type { Graph } from './onnx/graph.js';
import { serializeModel, type SerializedModel } from './onnx/serialize.js';

/** Writes `model.onnx` and, when the model has external data, its data file beside it. */
export async function writeOnnxModel(path: string, m: SerializedModel): Promise<void> {
  await writeFile(path, m.model);
  if (!m.externalData.length) return;
  const fh = await open(join(path, '..', `${basename(path)}.data`), 'w');
  try {
    // fs writes at most 2 GiB at once, and one tensor can be larger (Gemma-2-2B's fp32 embedding: 2.36 GB).
    for (const chunk of m.externalData) {
      for (let at = 0; at < chunk.byteLength; at += 2 ** 30) await fh.write(chunk.subarray(at, Math.min(at + 2 ** 30, chunk.byteLength)));
    }
  } finally {
    await fh.close();
  }
}

/** Above this many bytes of weights a graph is written to disk with external data (protobuf caps at 2 GB). */
export const IN_MEMORY_LIMIT = 1.5 * 2 ** 30;

/**
 * Runs V8's collector now, reached without `--expose-gc`; a no-op where V8 refuses. Building a full-size graph
 * holds every weight in JS (10 GB for Gemma-2-2B in fp32): collecting it before ONNX Runtime loads its own copy
 * halves the peak memory.
 * @example graph = undefined; collectGarbage(); // then open the session from the file
 */
export function collectGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch { /* not available: V8 collects later on its own */ }
}

/**
 * Opens a session for the graph `build()` returns: in memory when small, else through a temporary model.onnx +
 * data file (removed once ONNX Runtime has loaded it). Nothing here holds the graph while ORT loads, so when the
 * caller keeps no reference either, JS's copy of the weights is collected first (half the peak memory).
 * @example const s = await sessionFromGraphBuilder(backend, () => buildGemma2Graph(GEMMA_2_2B, randomGemma2Weights(GEMMA_2_2B)));
 */
export async function sessionFromGraphBuilder(backend: Backend, build: () => Graph | Promise<Graph>, options: SessionOptions = {}): Promise<Session> {
  let g: Graph | undefined = await build();
  const label = options.label ?? g.name;
  let weightBytes = 0;
  for (const t of g.initializers.values()) weightBytes += t.data.byteLength;
  if (weightBytes < IN_MEMORY_LIMIT) return backend.createSession(serializeModel(g).model, { ...options, label });
  const dir = await mkdtemp(join(tmpdir(), 'sana-onnx-'));
  try {
    const path = join(dir, 'model.onnx');
    let m: SerializedModel | undefined = serializeModel(g, { externalDataName: 'model.onnx.data' });
    g = undefined;
    await writeOnnxModel(path, m);
    m = undefined; // its chunks are views of the weights: drop them too
    collectGarbage();
    return await backend.createSession(path, { ...options, label });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Opens a session for a built graph: in memory when small, else through a temporary model.onnx + data file
 * (removed once ONNX Runtime has loaded it).
 * @example const session = await sessionFromGraph(await createBackend('cpu'), graph, { threads: 2 });
 */
export async function sessionFromGraph(backend: Backend, g: Graph, options: SessionOptions = {}): Promise<Session> {
  return sessionFromGraphBuilder(backend, () => g, options);
}
