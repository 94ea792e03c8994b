// Random-access byte sources: what a safetensors reader or a model loader reads from (file, Blob, URL).
import { FormatError } from './errors.js';

/** Something of known size that can hand out byte ranges; `name` appears in error messages. */
export interface ByteSource {
  readonly name: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/** A source over bytes already in memory. */
export function bytesSource(bytes: Uint8Array, name = '<memory>'): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > bytes.byteLength) {
        return Promise.reject(new FormatError(`read of ${length} bytes at ${offset} is past the end (${bytes.byteLength} bytes)`, name));
      }
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
  };
}

/** A source over a Blob or File (browser, or Node's Blob). */
export function blobSource(blob: Blob, name = '<blob>'): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset, length) {
      if (offset < 0 || offset + length > blob.size) throw new FormatError(`read of ${length} bytes at ${offset} is past the end (${blob.size} bytes)`, name);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}
