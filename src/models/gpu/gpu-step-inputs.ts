import { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { DeviceTensorArg, NativeGpu } from '../../../bindings/gpu.js';
import type { ForwardBatch } from '../forward-batch.js';

/** A step's index inputs on the device, as the kernels take them. */
export interface GpuStepInputs {
  readonly numTokens: number;
  readonly numSeqs: number;
  readonly tokenIds: DeviceTensorArg;
  readonly positions: DeviceTensorArg;
  readonly slotMapping: DeviceTensorArg;
  readonly logitsIndices: DeviceTensorArg;
  readonly queryStartLoc: DeviceTensorArg;
  readonly seqLens: DeviceTensorArg;
  readonly blockTables: DeviceTensorArg;
  /** Every sequence schedules exactly one token (the decode kernel serves the step). */
  readonly decodeOnly: boolean;
  readonly maxQueryLen: number;
  /** Bound on seqLens that the kernels size their grids by. */
  readonly maxSeqLen: number;
}

/**
 * The step's index inputs packed into one host buffer and uploaded in one copy:
 *
 *   [tokenIds t | positions t | slotMapping t | logitsIndices r | queryStartLoc n+1 | seqLens n | blockTables n·M]
 *
 * The offsets depend only on (t, r, n), so a padded decode step of a given size always lands at the same device
 * addresses — what a captured graph needs.
 */
export class GpuStepInputBuffer {
  private readonly host: Int32Array;
  private readonly device: DeviceTensor;

  constructor(gpu: NativeGpu, maxTokens: number, maxSeqs: number, readonly maxBlocksPerSeq: number, deviceIndex = 0) {
    const size = 4 * maxTokens + 2 * maxSeqs + 1 + maxSeqs * maxBlocksPerSeq;
    this.host = new Int32Array(size);
    this.device = DeviceTensor.empty(gpu, 'i32', [size], deviceIndex);
  }

  /** The batch's inputs, uploaded as they are. */
  upload(batch: ForwardBatch, maxSeqLen: number): GpuStepInputs {
    const t = batch.numTokens, n = batch.numSeqs, r = batch.logitsIndices.length;
    const parts = [batch.tokenIds, batch.positions, batch.slotMapping, batch.logitsIndices, batch.queryStartLoc,
      batch.seqLens, batch.blockTables];
    const size = parts.reduce((a, p) => a + p.length, 0);
    if (size > this.host.length) {
      throw new RangeError(`step inputs of ${size} entries exceed the ${this.host.length} the buffer holds`);
    }
    let offset = 0;
    for (const p of parts) {
      this.host.set(p, offset);
      offset += p.length;
    }
    let maxQueryLen = 1;
    for (let b = 0; b < n; b++) maxQueryLen = Math.max(maxQueryLen, batch.queryStartLoc[b + 1]! - batch.queryStartLoc[b]!);
    this.device.data.upload(this.host.subarray(0, offset));
    return this.views(t, r, n, { decodeOnly: t === n, maxQueryLen, maxSeqLen }, batch.maxBlocksPerSeq);
  }

  /**
   * A decode batch of n sequences padded to `size` rows: padding rows read token 0 at position 0 through block 0
   * (always a valid block) with sequence length 1, write no cache slot, and their logits are ignored.
   */
  uploadPaddedDecode(batch: ForwardBatch, size: number, maxSeqLen: number): GpuStepInputs {
    const n = batch.numSeqs, m = this.maxBlocksPerSeq, h = this.host;
    let o = 0;
    const section = (values: ArrayLike<number>, pad: number): void => {
      for (let i = 0; i < size; i++) h[o + i] = i < values.length ? values[i]! : pad;
      o += size;
    };
    section(batch.tokenIds, 0);
    section(batch.positions, 0);
    section(batch.slotMapping, -1);
    for (let i = 0; i < size; i++) h[o + i] = i;
    o += size;
    for (let i = 0; i <= size; i++) h[o + i] = i;
    o += size + 1;
    section(batch.seqLens, 1);
    const mb = batch.maxBlocksPerSeq, width = Math.min(mb, m);
    h.fill(0, o, o + size * m);
    for (let i = 0; i < n; i++) h.set(batch.blockTables.subarray(i * mb, i * mb + width), o + i * m);
    o += size * m;
    this.device.data.upload(h.subarray(0, o));
    return this.views(size, size, size, { decodeOnly: true, maxQueryLen: 1, maxSeqLen }, m);
  }

  dispose(): void {
    this.device.dispose();
  }

  private views(t: number, r: number, n: number,
    extra: Pick<GpuStepInputs, 'decodeOnly' | 'maxQueryLen' | 'maxSeqLen'>, maxBlocksPerSeq: number): GpuStepInputs {
    let offset = 0;
    const view = (shape: number[]): DeviceTensorArg => {
      const v = { data: this.device.data, dtype: 'i32' as const, shape, byteOffset: offset * 4 };
      offset += shape.reduce((a, b) => a * b, 1);
      return v;
    };
    return {
      numTokens: t,
      numSeqs: n,
      tokenIds: view([t]),
      positions: view([t]),
      slotMapping: view([t]),
      logitsIndices: view([r]),
      queryStartLoc: view([n + 1]),
      seqLens: view([n]),
      blockTables: view([n, maxBlocksPerSeq]),
      ...extra,
    };
  }
}
