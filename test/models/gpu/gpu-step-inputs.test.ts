import { describe, expect, it } from 'vitest';

import type { DeviceBuffer, NativeGpu } from '../../../bindings/gpu.js';
import { GpuStepInputBuffer } from '../../../src/models/gpu/gpu-step-inputs.js';
import { graphSizeFor } from '../../../src/models/gpu/graph-sizes.js';
import { PagedSequences } from '../paged-sequences.js';

/** Host memory standing in for device memory: the packing logic is what is under test, not the copy. */
function hostGpu(): NativeGpu {
  class HostBuffer implements DeviceBuffer {
    readonly bytes: Uint8Array;
    readonly device = 0;
    constructor(readonly byteLength: number) {
      this.bytes = new Uint8Array(byteLength);
    }
    upload(src: ArrayBufferView, byteOffset = 0): void {
      this.bytes.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), byteOffset);
    }
    download(): void {}
    copyFrom(src: HostBuffer, byteLength: number, dstOffset = 0, srcOffset = 0): void {
      this.bytes.set(src.bytes.subarray(srcOffset, srcOffset + byteLength), dstOffset);
    }
    fill(byte: number): void {
      this.bytes.fill(byte);
    }
    free(): void {}
  }
  return { DeviceBuffer: HostBuffer } as unknown as NativeGpu;
}

function read(view: { data: DeviceBuffer; shape: readonly number[]; byteOffset?: number }): number[] {
  const bytes = (view.data as unknown as { bytes: Uint8Array }).bytes;
  const n = view.shape.reduce((a, b) => a * b, 1);
  return [...new Int32Array(bytes.buffer, view.byteOffset ?? 0, n)];
}

describe('GpuStepInputBuffer', () => {
  const seqs = (): PagedSequences => {
    const s = new PagedSequences(64, 4, 8);
    s.add(0, [5, 6, 7, 8, 9]);
    s.add(1, [10, 11]);
    return s;
  };

  it('packs a mixed step so that every view reads back the batch', () => {
    const batch = seqs().step([{ id: 0, count: 5 }, { id: 1, count: 2 }]);
    const inputs = new GpuStepInputBuffer(hostGpu(), 16, 4, 8).upload(batch, 5);
    expect(read(inputs.tokenIds)).toEqual([...batch.tokenIds]);
    expect(read(inputs.positions)).toEqual([...batch.positions]);
    expect(read(inputs.slotMapping)).toEqual([...batch.slotMapping]);
    expect(read(inputs.logitsIndices)).toEqual([4, 6]);
    expect(read(inputs.queryStartLoc)).toEqual([0, 5, 7]);
    expect(read(inputs.seqLens)).toEqual([5, 2]);
    expect(read(inputs.blockTables)).toEqual([...batch.blockTables]);
    expect(inputs).toMatchObject({ decodeOnly: false, maxQueryLen: 5, maxSeqLen: 5, numTokens: 7, numSeqs: 2 });
  });

  it('pads a decode step to a graph size: padding reads block 0 with length 1 and writes no slot', () => {
    const s = seqs();
    s.step([{ id: 0, count: 5 }, { id: 1, count: 2 }]);
    s.append(0, 42);
    s.append(1, 43);
    const batch = s.step([{ id: 0, count: 1 }, { id: 1, count: 1 }]);
    const buffer = new GpuStepInputBuffer(hostGpu(), 16, 4, 8);
    const inputs = buffer.uploadPaddedDecode(batch, 4, 32);
    expect(read(inputs.tokenIds)).toEqual([42, 43, 0, 0]);
    expect(read(inputs.positions)).toEqual([5, 2, 0, 0]);
    expect(read(inputs.slotMapping)).toEqual([batch.slotMapping[0], batch.slotMapping[1], -1, -1]);
    expect(read(inputs.logitsIndices)).toEqual([0, 1, 2, 3]);
    expect(read(inputs.queryStartLoc)).toEqual([0, 1, 2, 3, 4]);
    expect(read(inputs.seqLens)).toEqual([6, 3, 1, 1]);
    expect(read(inputs.blockTables)).toEqual([...batch.blockTables, ...new Array(16).fill(0)]);
    expect(inputs).toMatchObject({ decodeOnly: true, maxSeqLen: 32, numSeqs: 4 });
    // The same size lands at the same addresses whatever the batch: what a captured graph relies on.
    const again = buffer.uploadPaddedDecode(s.step([]), 4, 32);
    expect(again.blockTables.byteOffset).toBe(inputs.blockTables.byteOffset);
  });

  it('refuses a step larger than it was sized for', () => {
    const s = new PagedSequences(64, 4, 16);
    s.add(0, Array.from({ length: 40 }, (_, i) => i));
    expect(() => new GpuStepInputBuffer(hostGpu(), 16, 4, 8).upload(s.step([{ id: 0, count: 40 }]), 40))
      .toThrow(/exceed/);
  });
});

describe('graphSizeFor', () => {
  it('rounds decode batches up a 1, 2, 4, 8, 16, 32, ... ladder capped at the largest captured size', () => {
    expect([1, 2, 3, 5, 8, 9, 16, 17, 100, 250, 256].map((n) => graphSizeFor(n, 256)))
      .toEqual([1, 2, 4, 8, 8, 16, 16, 32, 112, 256, 256]);
    expect(graphSizeFor(257, 256)).toBeNull();
    expect(graphSizeFor(70, 72)).toBe(72);
    expect(graphSizeFor(3, 3)).toBe(3);
  });
});
