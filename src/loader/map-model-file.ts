import { readFileSync, statSync } from 'node:fs';

import { loadAddon } from '../../bindings/addon.js';
import { ModelFileError } from '../errors.js';

/**
 * A model file's bytes: `head`, a contiguous view of its start for the parsers (all of it unless the file is over
 * 4 GiB), and `subarray`, a view of any range (a tensor). Uint8Array is one.
 */
export interface FileBytes {
  readonly byteLength: number;
  subarray(start: number, end: number): Uint8Array;
}

/** The most one mapping holds: Node 20's external ArrayBuffers stop at 4 GiB. */
const MAX_RANGE = 2 ** 32;
/** Bytes of a large file's head handed to the parsers (GGUF metadata and safetensors headers are far smaller). */
const HEAD_BYTES = 256 * 2 ** 20;

/** A file over 4 GiB, mapped one range per request. */
class RangeMappedFile implements FileBytes {
  readonly head: Uint8Array;

  constructor(private readonly file: string, readonly byteLength: number,
    private readonly map: (path: string, offset: number, length: number) => ArrayBuffer) {
    this.head = new Uint8Array(map(file, 0, Math.min(byteLength, HEAD_BYTES)));
  }

  subarray(start: number, end: number): Uint8Array {
    const s = Math.max(0, Math.min(start, this.byteLength)), e = Math.max(s, Math.min(end, this.byteLength));
    if (e - s > MAX_RANGE) throw new ModelFileError(this.file, 'tensor', `a range of ${e - s} bytes exceeds the 4 GiB one view holds`);
    return e === s ? new Uint8Array(0) : new Uint8Array(this.map(this.file, s, e - s));
  }
}

/** What the loaders parse: the head of the file and its ranges. */
export interface MappedModelFile {
  readonly head: Uint8Array;
  readonly bytes: FileBytes;
}

/**
 * The bytes of a model file, memory-mapped (copy-on-write) through the addon so that only the pages a caller
 * touches are read and the OS can drop them again. Without a built addon (pure-TypeScript tools) the file is
 * read into memory instead.
 */
export function mapModelFile(file: string): MappedModelFile {
  let map: ((path: string, offset?: number, length?: number) => ArrayBuffer) | null = null;
  try {
    map = loadAddon().mapFile;
  } catch {
    map = null;
  }
  try {
    const size = map ? statSync(file).size : 0;
    if (map && size > MAX_RANGE) {
      const big = new RangeMappedFile(file, size, map);
      return { head: big.head, bytes: big };
    }
    const all = map ? new Uint8Array(map(file)) : readFileSync(file);
    return { head: all, bytes: all };
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(file, 'file', `cannot be read: ${(e as Error).message}`);
  }
}
