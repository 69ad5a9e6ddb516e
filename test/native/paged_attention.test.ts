import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';

import { loadAddon, type AttentionOptions } from '../../bindings/addon.js';
import { Tensor } from '../../bindings/tensor.js';
import { referencePagedAttention, type AttentionConfig } from '../helpers/attention-reference.js';
import { expectClose } from '../helpers/expect-close.js';
import { makePagedBatch, type BatchSpec, type PagedBatch, type SeqSpec } from '../helpers/paged-batch.js';
import { randomF32 } from '../helpers/random.js';

const addon = loadAddon();
const { ops, opsAsync } = addon;
const defaultThreads = addon.numThreads();
afterEach(() => addon.setNumThreads(defaultThreads));

function options(cfg: AttentionConfig): AttentionOptions {
  return {
    scale: cfg.scale,
    slidingWindow: cfg.slidingWindow,
    softcap: cfg.softcap,
    sinks: cfg.sinks ? Tensor.f32([cfg.sinks.length], cfg.sinks) : undefined,
  };
}

function attend(b: PagedBatch, cfg: AttentionConfig): Float32Array {
  const out = Tensor.f32(b.q.shape);
  ops.pagedAttention(b.q, b.keyCache, b.valueCache, b.queryStartLoc, b.seqLens, b.blockTables, options(cfg), out);
  return out.data;
}

function expectMatchesReference(spec: BatchSpec, extra: Omit<AttentionConfig, 'scale'> & { scale?: number } = {}): void {
  const b = makePagedBatch(spec);
  const cfg = { scale: 1 / Math.sqrt(spec.headSize), ...extra };
  expectClose(attend(b, cfg), referencePagedAttention(b.kv, b.batch, cfg), 2e-5, 2e-4);
}

const mixed: SeqSpec[] = [
  { context: 0, query: 37 }, // a whole prompt
  { context: 55, query: 20 }, // a prefill chunk over cached context
  { context: 0, query: 1 },
  { context: 15, query: 1 },
  { context: 16, query: 1 },
  { context: 32, query: 1 },
  { context: 100, query: 3 }, // speculative-style short chunk
];

describe('pagedAttention', () => {
  it('matches the reference on a batch mixing prefill chunks and decodes', () => {
    expectMatchesReference({ seqs: mixed, numHeads: 8, numKvHeads: 2, headSize: 64, blockSize: 16, seed: 1 });
  });

  for (const blockSize of [1, 16, 32]) {
    it(`handles sequences ending on, before and after block boundaries (block size ${blockSize})`, () => {
      const seqs: SeqSpec[] = [];
      for (const k of [1, 2, 3])
        for (const len of [k * blockSize - 1, k * blockSize, k * blockSize + 1])
          if (len >= 1) seqs.push({ context: len - 1, query: 1 });
      seqs.push({ context: blockSize - 1, query: blockSize + 2 });
      expectMatchesReference({ seqs, numHeads: 4, numKvHeads: 1, headSize: 64, blockSize, seed: 10 + blockSize });
    });
  }

  it('returns the only value row for a one-token sequence', () => {
    const b = makePagedBatch({ seqs: [{ context: 0, query: 1 }], numHeads: 2, numKvHeads: 1, headSize: 64, blockSize: 16, seed: 3 });
    const block = b.batch.blockTables[0]![0]!;
    const v = b.valueCache.data.subarray(block * 16 * 64, block * 16 * 64 + 64);
    const out = attend(b, { scale: 0.125 });
    expectClose(out.subarray(0, 64), v);
    expectClose(out.subarray(64, 128), v);
  });

  for (const [headSize, numHeads, numKvHeads] of [[64, 4, 2], [128, 4, 2], [256, 4, 2], [576, 16, 1], [80, 6, 3]] as const) {
    it(`supports head size ${headSize} (${numHeads} heads over ${numKvHeads} KV heads)`, () => {
      expectMatchesReference({
        seqs: [{ context: 20, query: 5 }, { context: 40, query: 1 }, { context: 0, query: 9 }],
        numHeads, numKvHeads, headSize, blockSize: 16, seed: 20 + headSize,
      });
    });
  }

  for (const ratio of [1, 2, 4, 8]) {
    it(`groups ${ratio} query heads per KV head`, () => {
      expectMatchesReference({ seqs: mixed, numHeads: 2 * ratio, numKvHeads: 2, headSize: 128, blockSize: 16, seed: 30 + ratio });
    });
  }

  for (const slidingWindow of [1, 7, 40]) {
    it(`limits each query to a sliding window of ${slidingWindow}`, () => {
      expectMatchesReference(
        { seqs: [...mixed, { context: 300, query: 1 }], numHeads: 4, numKvHeads: 2, headSize: 64, blockSize: 16, seed: 40 },
        { slidingWindow },
      );
    });
  }

  it('adds per-head sinks to the softmax denominator', () => {
    const sinks = randomF32(8, 50, 4);
    expectMatchesReference({ seqs: mixed, numHeads: 8, numKvHeads: 2, headSize: 64, blockSize: 16, seed: 51 }, { sinks });
    expectMatchesReference(
      { seqs: mixed, numHeads: 8, numKvHeads: 2, headSize: 64, blockSize: 16, seed: 52 },
      { sinks, slidingWindow: 8 },
    );
  });

  it('soft-caps the scaled scores', () => {
    expectMatchesReference(
      { seqs: mixed, numHeads: 4, numKvHeads: 2, headSize: 64, blockSize: 16, seed: 60 },
      { scale: 1, softcap: 2.5 },
    );
  });

  it('splits long contexts across threads and merges the partitions (with sinks and a window)', () => {
    for (const threads of [defaultThreads, 5]) {
      addon.setNumThreads(threads);
      const sinks = randomF32(8, 70, 2);
      expectMatchesReference(
        { seqs: [{ context: 3000, query: 1 }], numHeads: 8, numKvHeads: 2, headSize: 64, blockSize: 16, seed: 71 },
        { sinks },
      );
      expectMatchesReference(
        { seqs: [{ context: 2000, query: 40 }], numHeads: 8, numKvHeads: 1, headSize: 64, blockSize: 32, seed: 72 },
        { sinks, slidingWindow: 700 },
      );
    }
  });

  it('reads q from a fused qkv buffer and writes into a strided out', () => {
    const b = makePagedBatch({ seqs: mixed, numHeads: 4, numKvHeads: 2, headSize: 32, blockSize: 16, seed: 80 });
    const t = b.q.shape[0]!, qkvWidth = (4 + 2 * 2) * 32;
    const qkv = randomF32(t * qkvWidth, 81);
    for (let i = 0; i < t; i++) qkv.set(b.q.data.subarray(i * 128, (i + 1) * 128), i * qkvWidth);
    const q = { data: qkv, dtype: 'f32' as const, shape: [t, 4, 32], strides: [qkvWidth, 32, 1] };
    const outBuf = new Float32Array(t * 256).fill(7);
    const out = { data: outBuf, dtype: 'f32' as const, shape: [t, 4, 32], strides: [256, 64, 1] };
    ops.pagedAttention(q, b.keyCache, b.valueCache, b.queryStartLoc, b.seqLens, b.blockTables, { scale: 0.2 }, out);
    const expected = referencePagedAttention(b.kv, b.batch, { scale: 0.2 });
    const got = new Float32Array(t * 128);
    for (let i = 0; i < t * 4; i++) {
      got.set(outBuf.subarray(i * 64, i * 64 + 32), i * 32);
      expect(outBuf.subarray(i * 64 + 32, i * 64 + 64).every((x) => x === 7)).toBe(true);
    }
    expectClose(got, expected, 2e-5, 2e-4);
  });

  it('runs off the main thread as a Promise', async () => {
    const b = makePagedBatch({ seqs: mixed, numHeads: 4, numKvHeads: 2, headSize: 64, blockSize: 16, seed: 90 });
    const out = Tensor.f32(b.q.shape);
    await opsAsync.pagedAttention(b.q, b.keyCache, b.valueCache, b.queryStartLoc, b.seqLens, b.blockTables, { scale: 0.125 }, out);
    expectClose(out.data, referencePagedAttention(b.kv, b.batch, { scale: 0.125 }), 2e-5, 2e-4);
  });

  it('matches the reference on random small batches', () => {
    const seq = fc.record({ context: fc.integer({ min: 0, max: 40 }), query: fc.integer({ min: 1, max: 6 }) });
    fc.assert(
      fc.property(
        fc.array(seq, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(1, 2, 5, 16),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom([1, 1], [2, 1], [3, 3], [6, 2]),
        fc.integer({ min: 0, max: 12 }),
        fc.nat(1000),
        (seqs, blockSize, headSize, [numHeads, numKvHeads], slidingWindow, seed) => {
          expectMatchesReference({ seqs, numHeads: numHeads!, numKvHeads: numKvHeads!, headSize, blockSize, seed }, { slidingWindow });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('pagedAttention input checks', () => {
  const spec: BatchSpec = { seqs: [{ context: 10, query: 3 }, { context: 20, query: 1 }], numHeads: 4, numKvHeads: 2, headSize: 16, blockSize: 8, seed: 100 };

  type F32 = Tensor<Float32Array>;
  type I32 = Tensor<Int32Array>;
  interface Args { q: F32; keyCache: Tensor; valueCache: Tensor; queryStartLoc: I32; seqLens: I32; blockTables: I32; options: AttentionOptions; out: F32 }
  function argsOf(b: PagedBatch): Args {
    return { q: b.q, keyCache: b.keyCache, valueCache: b.valueCache, queryStartLoc: b.queryStartLoc, seqLens: b.seqLens,
      blockTables: b.blockTables, options: { scale: 0.25 }, out: Tensor.f32(b.q.shape) };
  }
  function call(a: Args): void {
    ops.pagedAttention(a.q, a.keyCache, a.valueCache, a.queryStartLoc, a.seqLens, a.blockTables, a.options, a.out);
  }
  function expectCode(change: (a: Args) => Partial<Args>, code: string): void {
    const base = argsOf(makePagedBatch(spec));
    const a = { ...base, ...change(base) };
    a.out.data.fill(7);
    expect(() => call(a)).toThrow(expect.objectContaining({ code }));
    expect(a.out.data.every((x) => x === 7)).toBe(true);
  }
  const withValue = (t: Tensor<Int32Array>, index: number, value: number): Tensor<Int32Array> => {
    const data = t.data.slice();
    data[index] = value;
    return new Tensor(data, 'i32', t.shape);
  };

  it('accepts the unchanged arguments', () => {
    expect(() => call(argsOf(makePagedBatch(spec)))).not.toThrow();
  });

  it('rejects empty batches', () => {
    expectCode(() => ({ q: Tensor.f32([0, 4, 16]), out: Tensor.f32([0, 4, 16]), queryStartLoc: Tensor.i32([3], [0, 0, 0]) }), 'HS_EMPTY_BATCH');
    expectCode(() => ({ seqLens: Tensor.i32([0]), queryStartLoc: Tensor.i32([1], [0]), blockTables: Tensor.i32([0, 4]) }), 'HS_EMPTY_BATCH');
  });

  it('rejects wrong dtypes', () => {
    expectCode((a) => ({ keyCache: new Tensor(new Int32Array(a.keyCache.data.length), 'i32', a.keyCache.shape) }), 'HS_DTYPE_MISMATCH');
    expectCode((a) => ({ seqLens: Tensor.f32(a.seqLens.shape, a.seqLens.data) as unknown as I32 }), 'HS_DTYPE_MISMATCH');
    expectCode((a) => ({ blockTables: Tensor.f32(a.blockTables.shape, a.blockTables.data) as unknown as I32 }), 'HS_DTYPE_MISMATCH');
  });

  it('rejects inconsistent shapes', () => {
    expectCode(() => ({ q: Tensor.f32([4, 3, 16]), out: Tensor.f32([4, 3, 16]) }), 'HS_SHAPE_MISMATCH'); // 3 % 2 != 0
    expectCode(() => ({ q: Tensor.f32([4, 4, 8]), out: Tensor.f32([4, 4, 8]) }), 'HS_SHAPE_MISMATCH');
    expectCode(() => ({ out: Tensor.f32([4, 4, 15]) }), 'HS_SHAPE_MISMATCH');
    expectCode((a) => ({ valueCache: a.valueCache.rows(0, 2) }), 'HS_SHAPE_MISMATCH');
    expectCode(() => ({ queryStartLoc: Tensor.i32([2], [0, 4]) }), 'HS_SHAPE_MISMATCH');
    expectCode((a) => ({ queryStartLoc: withValue(a.queryStartLoc, 2, 3) }), 'HS_SHAPE_MISMATCH');
    expectCode(() => ({ blockTables: Tensor.i32([1, 4]) }), 'HS_SHAPE_MISMATCH');
    expectCode(() => ({ options: { scale: 0.25, sinks: Tensor.f32([3]) } }), 'HS_SHAPE_MISMATCH');
  });

  it('rejects query_start_loc that does not start at 0 or decreases, and queries longer than their sequence', () => {
    expectCode((a) => ({ queryStartLoc: withValue(a.queryStartLoc, 0, 1) }), 'HS_INVALID_ARGUMENT');
    expectCode(() => ({ queryStartLoc: Tensor.i32([3], [0, 5, 4]) }), 'HS_INVALID_ARGUMENT');
    expectCode((a) => ({ seqLens: withValue(a.seqLens, 0, 2) }), 'HS_INVALID_ARGUMENT');
    expectCode((a) => ({ seqLens: withValue(a.seqLens, 1, -1) }), 'HS_INVALID_ARGUMENT');
  });

  it('rejects block-table entries outside the cache and sequences longer than their block table', () => {
    expectCode((a) => ({ blockTables: withValue(a.blockTables, 1, -1) }), 'HS_OUT_OF_BOUNDS');
    expectCode((a) => ({ blockTables: withValue(a.blockTables, a.blockTables.shape[1]! + 2, a.keyCache.shape[0]!) }), 'HS_OUT_OF_BOUNDS');
    expectCode((a) => ({ seqLens: withValue(a.seqLens, 1, 8 * a.blockTables.shape[1]! + 1) }), 'HS_OUT_OF_BOUNDS');
  });

  it('rejects bad options', () => {
    for (const bad of [{}, { scale: Number.NaN }, { scale: 1, slidingWindow: -1 }, { scale: 1, slidingWindow: 2.5 },
      { scale: 1, softcap: -1 }, { scale: 1, softcap: Number.POSITIVE_INFINITY }, { scale: 1e300 }])
      expectCode(() => ({ options: bad as AttentionOptions }), 'HS_INVALID_ARGUMENT');
    expect(() => ops.pagedAttention(...([1, 2, 3, 4, 5, 6, 7, 8] as unknown as Parameters<typeof ops.pagedAttention>))).toThrow(
      expect.objectContaining({ code: 'HS_INVALID_ARGUMENT' }));
  });

  it('never crashes on corrupted metadata: it computes or throws a coded error', () => {
    const codes = new Set(['HS_INVALID_ARGUMENT', 'HS_SHAPE_MISMATCH', 'HS_OUT_OF_BOUNDS']);
    const int = fc.integer({ min: -3, max: 40 });
    fc.assert(
      fc.property(fc.array(int, { minLength: 3, maxLength: 3 }), fc.array(int, { minLength: 2, maxLength: 2 }),
        fc.array(int, { minLength: 8, maxLength: 8 }), (qsl, lens, table) => {
          const a = { ...argsOf(makePagedBatch(spec)), queryStartLoc: Tensor.i32([3], qsl), seqLens: Tensor.i32([2], lens),
            blockTables: Tensor.i32([2, 4], table) };
          try {
            call(a);
          } catch (e) {
            expect(codes.has((e as { code?: string }).code ?? '')).toBe(true);
          }
        }),
      { numRuns: 300 },
    );
  });
});
