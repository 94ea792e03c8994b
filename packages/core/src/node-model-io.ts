// Node: writing serialized ONNX models (with external data) and opening sessions for built graphs.
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
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
 * Opens a session for a built graph: in memory when small, else through a temporary model.onnx + data file
 * (removed once ONNX Runtime has loaded it).
 * @example const session = await sessionFromGraph(await createBackend('cpu'), graph, { threads: 2 });
 */
export async function sessionFromGraph(backend: Backend, g: Graph, options: SessionOptions = {}): Promise<Session> {
  let weightBytes = 0;
  for (const t of g.initializers.values()) weightBytes += t.data.byteLength;
  if (weightBytes < IN_MEMORY_LIMIT) return backend.createSession(serializeModel(g).model, { label: g.name, ...options });
  const dir = await mkdtemp(join(tmpdir(), 'sana-onnx-'));
  try {
    const path = join(dir, 'model.onnx');
    await writeOnnxModel(path, serializeModel(g, { externalDataName: 'model.onnx.data' }));
    return await backend.createSession(path, { label: g.name, ...options });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
