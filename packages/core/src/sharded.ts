// Sharded checkpoints: `*.safetensors.index.json` maps each tensor key to a shard file.
import { FormatError, WeightError } from './errors.js';
import type { Tensor } from './tensor.js';
import type { SafetensorsFile, TensorInfo, WeightStore } from './safetensors.js';

/** Parses an index file and checks that every shard name is a plain file name (no folders, no `..`). */
export function parseShardIndex(json: string, name: string): Map<string, string> {
  let raw: unknown;
  try { raw = JSON.parse(json); } catch (e) { throw new FormatError(`index is not valid JSON (${(e as Error).message})`, name); }
  const map = (raw as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new FormatError('"weight_map" must be an object of key -> shard file', name);
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== 'string' || !/^[^/\\]+\.safetensors$/.test(v) || v.startsWith('.')) {
      throw new FormatError(`"weight_map.${k}" names shard ${JSON.stringify(v)}; expected a .safetensors file in the same folder`, name);
    }
    out.set(k, v);
  }
  return out;
}

/** A WeightStore over shards opened on first use through `open(shardFile)`. */
export class ShardedWeights implements WeightStore {
  private readonly shards = new Map<string, Promise<SafetensorsFile>>();
  private readonly opened = new Map<string, SafetensorsFile>();
  private constructor(readonly name: string, private readonly map: Map<string, string>) {}

  /** Opens every shard named by the index (so `info` works synchronously) and checks that each key is there. */
  static async open(name: string, map: Map<string, string>, open: (shard: string) => Promise<SafetensorsFile>): Promise<ShardedWeights> {
    const w = new ShardedWeights(name, map);
    for (const shard of new Set(map.values())) {
      try {
        w.opened.set(shard, await open(shard));
      } catch (e) {
        throw new FormatError(`shard "${shard}" could not be opened: ${(e as Error).message}`, name, { cause: e });
      }
    }
    for (const [k, shard] of map) if (!w.opened.get(shard)!.has(k)) throw new WeightError(k, `is listed in the index but missing from shard "${shard}"`, name);
    return w;
  }

  keys() { return [...this.map.keys()]; }
  has(key: string) { return this.map.has(key); }
  private shard(key: string): SafetensorsFile {
    const s = this.map.get(key);
    if (!s) throw new WeightError(key, 'is missing', this.name);
    return this.opened.get(s)!;
  }
  info(key: string): TensorInfo { return this.shard(key).info(key); }
  get(key: string): Promise<Tensor> { return this.shard(key).get(key); }
  getFloat32(key: string): Promise<Float32Array> { return this.shard(key).getFloat32(key); }
}
