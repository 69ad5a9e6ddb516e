import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { SafetensorsWeights } from '../../src/loader/safetensors-weights.js';

/**
 * Files over 4 GiB (every 5 GB Hugging Face shard, any large GGUF): Node 20 cannot hold one ArrayBuffer that
 * large, so they are mapped a range at a time. The file is sparse: it takes no disk space.
 */
describe('model files over 4 GiB', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hipserve-large-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const padBytes = 5 * 2 ** 30;

  function writeLargeSafetensors(): string {
    const file = path.join(dir, 'model.safetensors');
    const header = JSON.stringify({
      pad: { dtype: 'U8', shape: [padBytes], data_offsets: [0, padBytes] },
      tail: { dtype: 'F32', shape: [4], data_offsets: [padBytes, padBytes + 16] },
    }).padEnd(128, ' ');
    const fd = openSync(file, 'w');
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(header.length));
    writeSync(fd, size, 0, 8, 0);
    writeSync(fd, Buffer.from(header), 0, header.length, 8);
    const tail = Buffer.from(new Float32Array([1.5, -2, 3.25, 4]).buffer);
    writeSync(fd, tail, 0, 16, 8 + header.length + padBytes);
    closeSync(fd);
    return file;
  }

  it('loads a tensor that lies past 4 GiB; refuses a single view over 4 GiB with a clear error', () => {
    const file = writeLargeSafetensors();
    const weights = SafetensorsWeights.openFiles([file]);
    const tail = weights.get('tail');
    expect([...new Float32Array(tail.data.buffer, tail.data.byteOffset, 4)]).toEqual([1.5, -2, 3.25, 4]);
    // One tensor over 4 GiB cannot be one view: a clear error naming the file, not a crash.
    expect(() => weights.get('pad')).toThrow(/exceeds the 4 GiB/);
    expect(() => loadAddon().mapFile(file)).toThrow(expect.objectContaining({ code: 'HS_UNSUPPORTED' }));
    expect(() => loadAddon().mapFile(file, padBytes + 8 + 128, 64)).toThrow(expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' }));
  });
});
