// Node file access: safetensors from disk (lazy, via a file handle), sharded folders.
import { open as openFile, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FormatError } from './errors.js';
import type { ByteSource } from './byte-source.js';
import { SafetensorsFile, type WeightStore } from './safetensors.js';
import { ShardedWeights, parseShardIndex } from './sharded.js';

/**
 * A ByteSource over a file on disk; reads only the ranges asked for, so 10+ GB files are fine. Each read
 * opens and closes the file, so a source that is dropped without `close()` leaks no descriptor.
 */
export async function fileSource(path: string): Promise<ByteSource> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    size = st.size;
  } catch (e) {
    throw new FormatError(`cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, path, { cause: e });
  }
  return {
    name: path,
    size,
    async read(offset, length) {
      if (offset < 0 || offset + length > size) throw new FormatError(`read of ${length} bytes at ${offset} is past the end (${size} bytes)`, path);
      const handle = await openFile(path, 'r');
      try {
        const buf = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
          if (bytesRead === 0) throw new FormatError(`file ended early at ${offset + done} bytes`, path);
          done += bytesRead;
        }
        return buf;
      } finally {
        await handle.close();
      }
    },
  };
}

/** Opens one `.safetensors` file, or a `.safetensors.index.json` and its shards. */
export async function openSafetensors(path: string): Promise<WeightStore> {
  if (path.endsWith('.index.json')) {
    const map = parseShardIndex(await readFile(path, 'utf8').catch((e) => { throw new FormatError('cannot be read', path, { cause: e }); }), path);
    const dir = dirname(path);
    return ShardedWeights.open(path, map, async (shard) => SafetensorsFile.open(await fileSource(join(dir, basename(shard)))));
  }
  return SafetensorsFile.open(await fileSource(path));
}

/**
 * Opens the weights of a diffusers component folder: `<stem>.safetensors` or its sharded index.
 * @example const w = await openComponentWeights('ckpt/transformer', 'diffusion_pytorch_model');
 */
export async function openComponentWeights(dir: string, stem: string): Promise<WeightStore> {
  const single = join(dir, `${stem}.safetensors`);
  const index = join(dir, `${stem}.safetensors.index.json`);
  if (await exists(single)) return openSafetensors(single);
  if (await exists(index)) return openSafetensors(index);
  throw new FormatError(`has neither ${stem}.safetensors nor ${stem}.safetensors.index.json`, dir);
}

async function exists(p: string) {
  return stat(p).then((s) => s.isFile(), () => false);
}
