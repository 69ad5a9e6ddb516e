import { afterEach, describe, expect, it } from 'vitest';

import type { DeviceTensor } from '../../bindings/device-tensor.js';
import { randomF32 } from '../helpers/random.js';
import { cpuDecode, makeDecodeBatch, type DecodeOptions, type DecodeSpec } from './helpers/decode-batch.js';
import { DevicePool, downloadHalf, gpuAddon, HALF_DTYPES, halfViolation, noGpu, relativeError, type HalfDType } from './helpers/gpu.js';

describe.skipIf(noGpu)('gpuPagedDecodeAttention', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  // The batch of `s` on the device, and calls over it that may shorten its sequences (the block tables stay, so
  // a sequence never grows past its length in `s`).
  function deviceBatch(s: DecodeSpec, maxSeqLen: number, o: DecodeOptions) {
    const b = makeDecodeBatch(s);
    const n = s.seqLens.length, shape = [n, s.numHeads, s.headSize];
    const q = pool.half(s.dtype, shape, b.q), lens = pool.i32([n], s.seqLens);
    const kc = pool.half(s.dtype, b.cacheShape, b.keyCache), vc = pool.half(s.dtype, b.cacheShape, b.valueCache);
    const tables = pool.i32([n, b.maxBlocks], b.blockTables);
    const options = { ...o, sinks: o.sinks ? pool.f32([s.numHeads], o.sinks) : undefined };
    return {
      out: () => pool.poisoned(s.dtype, shape),
      call: (out: DeviceTensor) => gpuAddon().ops.gpuPagedDecodeAttention(q, kc, vc, lens, tables, maxSeqLen, options, out),
      setLens: (seqLens: readonly number[]) => lens.data.upload(Int32Array.from(seqLens)),
      want: (seqLens: readonly number[] = s.seqLens) => cpuDecode({ ...s, seqLens }, b, o),
    };
  }

  // Calls over the batch of `s` with other sequence lengths and block tables (the fault checks): run enqueues one,
  // faults(...) is a function that runs one and waits for the device, so that it throws the kernel's fault.
  function callsWithMetadata(s: DecodeSpec) {
    const b = makeDecodeBatch(s);
    const n = s.seqLens.length, shape = [n, s.numHeads, s.headSize];
    const q = pool.half(s.dtype, shape, b.q), out = pool.poisoned(s.dtype, shape);
    const kc = pool.half(s.dtype, b.cacheShape, b.keyCache), vc = pool.half(s.dtype, b.cacheShape, b.valueCache);
    const run = (seqLens: number[], tables: Int32Array, maxSeqLen: number) =>
      gpuAddon().ops.gpuPagedDecodeAttention(q, kc, vc, pool.i32([n], seqLens), pool.i32([n, b.maxBlocks], tables),
        maxSeqLen, { scale: 0.1 }, out);
    const faults = (...args: Parameters<typeof run>) => () => {
      run(...args);
      gpuAddon().gpu.synchronize(0);
    };
    return { b, run, faults };
  }

  function gpuDecode(s: DecodeSpec, o: DecodeOptions, maxSeqLen = Math.max(...s.seqLens)) {
    const d = deviceBatch(s, maxSeqLen, o);
    const out = d.out();
    d.call(out);
    gpuAddon().gpu.synchronize(0);
    return { got: downloadHalf(s.dtype, out), want: d.want() };
  }

  function expectClose(dtype: HalfDType, got: Float32Array, want: Float32Array): void {
    expect(halfViolation(dtype, got, want, 2e-3)).toBeLessThanOrEqual(1);
    expect(relativeError(got, want)).toBeLessThan(dtype === 'bf16' ? 5e-3 : 1e-3);
  }

  function expectMatch(s: DecodeSpec, extra: Omit<DecodeOptions, 'scale'> = {}, maxSeqLen?: number): void {
    const { got, want } = gpuDecode(s, { scale: 1 / Math.sqrt(s.headSize), ...extra }, maxSeqLen);
    expectClose(s.dtype, got, want);
  }

  // Lengths around the block (16) and tile (256) edges, one too long for a single tile, one of a single key.
  const edges = [1, 15, 16, 17, 255, 256, 257, 700, 3001];
  const spec = (dtype: HalfDType, more: Partial<DecodeSpec> = {}): DecodeSpec => ({
    dtype, seqLens: edges, numHeads: 8, numKvHeads: 2, headSize: 128, blockSize: 16, seed: 1, ...more,
  });

  for (const dtype of HALF_DTYPES)
    it(`matches the CPU kernel across block and tile edges, split over partitions (${dtype})`, () => {
      expectMatch(spec(dtype));
    });

  it('matches with one partition per sequence (a batch large enough to fill the device)', () => {
    const seqLens = Array.from({ length: 96 }, (_, i) => 1 + ((i * 37) % 300));
    expectMatch(spec('bf16', { seqLens, numKvHeads: 8, numHeads: 32, seed: 2 }));
  });

  for (const [headSize, numHeads, numKvHeads] of [[64, 4, 4], [80, 6, 2], [96, 8, 1], [256, 8, 2], [128, 24, 2], [128, 12, 1]] as const)
    it(`supports head size ${headSize} with ${numHeads} query heads over ${numKvHeads} KV heads`, () => {
      expectMatch(spec('f16', { seqLens: [5, 300, 1100], headSize, numHeads, numKvHeads, seed: headSize + numHeads }));
    });

  for (const blockSize of [1, 32])
    it(`supports block size ${blockSize}`, () => {
      expectMatch(spec('bf16', { seqLens: [1, 33, 290], blockSize, seed: 30 + blockSize }));
    });

  it('applies a sliding window, soft-capping and sinks as the CPU kernel does', () => {
    expectMatch(spec('bf16', { seed: 5 }), { slidingWindow: 300 });
    expectMatch(spec('bf16', { seed: 6 }), { softcap: 5 });
    expectMatch(spec('f16', { seed: 7 }), { sinks: randomF32(8, 8, 3) });
    expectMatch(spec('f16', { seed: 8, seqLens: [3, 40] }), { sinks: randomF32(8, 9, 3), slidingWindow: 16, softcap: 30 });
  });

  it('gives the same answer when maxSeqLen overstates the longest sequence', () => {
    const s = spec('bf16', { seqLens: [20, 600], seed: 11 });
    const { got, want } = gpuDecode(s, { scale: 0.1 }, 620); // the block tables allow 16 × 39 = 624
    expect(halfViolation('bf16', got, want, 2e-3)).toBeLessThanOrEqual(1);
  });

  // A captured decode step is launched for the model's max_seq_len and replayed for any shorter lengths.
  for (const [maxSeqLen, numHeads, numKvHeads] of [[32768, 32, 8], [8192, 64, 4]] as const)
    it(`gives the same answer for short sequences under max_seq_len ${maxSeqLen} (Hq=${numHeads}, Hk=${numKvHeads})`, () => {
      const s = spec('bf16', { seqLens: [1, 17, 300, 513], numHeads, numKvHeads, seed: 15, maxBlocks: maxSeqLen / 16 });
      const { got, want } = gpuDecode(s, { scale: 0.1, sinks: randomF32(numHeads, 16, 2) }, maxSeqLen);
      expect(halfViolation('bf16', got, want, 2e-3)).toBeLessThanOrEqual(1);
      expect(relativeError(got, want)).toBeLessThan(5e-3);
    });

  // Under a launch split over partitions, a sequence whose keys fit one partition writes its output itself; the
  // others' last block to finish reduces their partials (one, a few, or many of them; the reducer's loop takes
  // partials four at a time, so counts that are not multiples of four too).
  for (const dtype of HALF_DTYPES)
    it(`mixes sequences written directly with sequences reduced from 2 to many partials (${dtype})`, () => {
      const seqLens = [1, 127, 255, 256, 383, 384, 1000, 4000];
      expectMatch(spec(dtype, { seqLens, numHeads: 32, numKvHeads: 8, seed: 17, maxBlocks: 256 }), {}, 4096);
    });

  it('splits one short sequence over a few of many planned partitions', () => {
    for (const [seqLen, seed] of [[777, 18], [129, 19], [300, 20]] as const) {
      const s = spec('f16', { seqLens: [seqLen], numHeads: 8, numKvHeads: 2, seed, maxBlocks: 2048 });
      const { got, want } = gpuDecode(s, { scale: 0.1, sinks: randomF32(8, seed, 2) }, 32768);
      expectClose('f16', got, want);
    }
  });

  // The reducers' counters live on between calls: each must leave them as it found them, whatever the grid.
  it('reuses its partition counters across back-to-back calls of different batches', () => {
    const x = deviceBatch(spec('bf16', { seqLens: [3000, 3001, 1500], seed: 21 }), 3008, { scale: 0.1 });
    const y = deviceBatch(spec('bf16', { seqLens: [2500], numHeads: 32, numKvHeads: 8, seed: 22 }), 2512, { scale: 0.1 });
    const calls: [ReturnType<typeof deviceBatch>, number[]][] = [
      [x, [700, 3001, 130]], [y, [2500]], [x, [3000, 64, 1500]], [x, [129, 2222, 900]], [y, [1300]],
    ];
    const outs = calls.map(([d, lens]) => {
      d.setLens(lens);
      const out = d.out();
      d.call(out);
      return out;
    });
    gpuAddon().gpu.synchronize(0);
    calls.forEach(([d, lens], i) => expectClose('bf16', downloadHalf('bf16', outs[i]!), d.want(lens)));
  });

  /** A call captured once and replayed twice per set of lengths, beside an eager call: both match the reference. */
  function expectReplays(d: ReturnType<typeof deviceBatch>, lengths: number[][]) {
    const graphOut = d.out(), eagerOut = d.out();
    const graph = gpuAddon().gpu.captureGraph(0, () => d.call(graphOut));
    try {
      for (const lens of lengths) {
        d.setLens(lens);
        d.call(eagerOut);
        graph.replay();
        graph.replay();
        gpuAddon().gpu.synchronize(0);
        const want = d.want(lens);
        expectClose('bf16', downloadHalf('bf16', graphOut), want);
        expectClose('bf16', downloadHalf('bf16', eagerOut), want);
      }
    } finally {
      graph.dispose();
    }
  }

  it('replays a captured call twice between eager calls, with new sequence lengths each time', () => {
    const s = spec('bf16', { seqLens: [4000, 4001, 3001], seed: 23, maxBlocks: 256 });
    expectReplays(deviceBatch(s, 4096, { scale: 0.09, sinks: randomF32(8, 24, 2) }),
      [[1, 700, 3001], [2000, 5, 129], [4000, 4001, 3]]);
  });

  it('reports bad block-table entries and sequence lengths as HS_OUT_OF_BOUNDS', () => {
    const { b, run, faults } = callsWithMetadata(spec('bf16', { seqLens: [40, 20], seed: 12 }));
    const oob = expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' });
    const badTable = b.blockTables.slice();
    badTable[1] = 10_000;
    expect(faults([40, 20], badTable, 40)).toThrow(oob);
    expect(faults([41, 20], b.blockTables, 40)).toThrow(oob);
    expect(faults([0, 20], b.blockTables, 40)).toThrow(oob);
    faults([40, 20], b.blockTables, 40)();
    expect(() => run([40, 20], b.blockTables, 16 * b.maxBlocks + 1)).toThrow(
      expect.objectContaining({ code: 'HS_INVALID_ARGUMENT' }));
  });

  // Groups of 8 and more take the matrix-core kernel (paged_decode_mma_kernel.h) for head sizes 64 and 128: one
  // block per KV head scores the whole group (padded to 16 rows) 16 keys per wave step.
  describe('on matrix cores (groups of 8 and 16)', () => {
    const groups = [[32, 4], [64, 4], [16, 2], [8, 1]] as const;
    for (const dtype of HALF_DTYPES)
      for (const [numHeads, numKvHeads] of groups)
        it(`matches across step and partition edges, Hq=${numHeads} Hk=${numKvHeads} (${dtype})`, () => {
          const seqLens = [1, 15, 16, 17, 63, 64, 65, 129, 700, 3001];
          expectMatch(spec(dtype, { seqLens, numHeads, numKvHeads, seed: 40 + numHeads + numKvHeads }));
        });

    for (const headSize of [64, 128])
      for (const blockSize of [1, 24, 32])
        it(`supports head size ${headSize}, block size ${blockSize}`, () => {
          expectMatch(spec('f16', { seqLens: [2, 47, 290, 1111], headSize, blockSize, numHeads: 16, numKvHeads: 2,
            seed: headSize + blockSize }));
        });

    it('matches a long sequence split over many partitions, and a batch that fills the device', () => {
      expectMatch(spec('bf16', { seqLens: [20000], numHeads: 64, numKvHeads: 4, seed: 50 }));
      const seqLens = Array.from({ length: 80 }, (_, i) => 1 + ((i * 53) % 900));
      expectMatch(spec('bf16', { seqLens, numHeads: 32, numKvHeads: 4, seed: 51 }));
    });

    // Launches whose (sequence, head group) pairs fill the device take the smaller blocks, two per CU
    // (paged_decode.h): 192 pairs here, more than half of any device's CUs.
    it('matches in a batch that fills the device with f16 and head size 64 (the smaller blocks)', () => {
      const seqLens = Array.from({ length: 96 }, (_, i) => 1 + ((i * 71) % 1200));
      expectMatch(spec('f16', { seqLens, numHeads: 24, numKvHeads: 2, headSize: 64, seed: 54 }));
    });

    it('covers a group larger than 16 (two blocks per KV head) and one of 12 (rows padded)', () => {
      expectMatch(spec('bf16', { seqLens: [5, 300, 2100], numHeads: 32, numKvHeads: 1, seed: 52 }));
      expectMatch(spec('f16', { seqLens: [5, 300, 2100], numHeads: 24, numKvHeads: 2, headSize: 64, seed: 53 }));
    });

    it('applies a sliding window, soft-capping and sinks as the CPU kernel does', () => {
      const g16 = { numHeads: 32, numKvHeads: 2 };
      expectMatch(spec('bf16', { seed: 54, ...g16 }), { slidingWindow: 300 });
      expectMatch(spec('bf16', { seed: 55, ...g16 }), { slidingWindow: 17, softcap: 20 });
      expectMatch(spec('f16', { seed: 56, ...g16 }), { softcap: 5 });
      expectMatch(spec('f16', { seed: 57, ...g16 }), { sinks: randomF32(32, 57, 3) });
      expectMatch(spec('bf16', { seed: 58, seqLens: [3, 40, 5000], ...g16 }),
        { sinks: randomF32(32, 58, 3), slidingWindow: 1000, softcap: 30 });
    });

    it('replays a captured call twice between eager calls, with new sequence lengths each time', () => {
      const s = spec('bf16', { seqLens: [8000, 8001, 3001], numHeads: 64, numKvHeads: 4, seed: 59, maxBlocks: 512 });
      expectReplays(deviceBatch(s, 8192, { scale: 0.09, sinks: randomF32(64, 60, 2) }),
        [[1, 700, 3001], [8000, 5, 129], [4000, 8001, 3]]);
    });

    it('reports bad block-table entries and sequence lengths as HS_OUT_OF_BOUNDS', () => {
      const s = spec('f16', { seqLens: [40, 300], numHeads: 16, numKvHeads: 2, seed: 61 });
      const { b, faults } = callsWithMetadata(s);
      const oob = expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' });
      const badTable = b.blockTables.slice();
      badTable[b.maxBlocks + 5] = -7;
      expect(faults([40, 300], badTable, 300)).toThrow(oob);
      expect(faults([301, 20], b.blockTables, 300)).toThrow(oob);
      expect(faults([40, 0], b.blockTables, 300)).toThrow(oob);
      faults([40, 300], b.blockTables, 300)();
    });
  });

  it('rejects an unsupported head size and mismatched heads', () => {
    const s = spec('bf16', { seqLens: [4], headSize: 72, seed: 13 });
    expect(() => gpuDecode(s, { scale: 0.1 })).toThrow(expect.objectContaining({ code: 'HS_UNSUPPORTED' }));
    const t = spec('bf16', { seqLens: [4], numHeads: 6, numKvHeads: 4, seed: 14 });
    expect(() => gpuDecode(t, { scale: 0.1 })).toThrow(expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
  });
});
