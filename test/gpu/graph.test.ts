import { afterEach, describe, expect, it } from 'vitest';

import { DeviceTensor } from '../../bindings/device-tensor.js';
import type { GpuGraph } from '../../bindings/gpu.js';
import { randomF32, rng } from '../helpers/random.js';
import { cpuDecode, makeDecodeBatch, type DecodeSpec } from './helpers/decode-batch.js';
import { DevicePool, downloadHalf, gpuAddon, halfViolation, noGpu, toHalf } from './helpers/gpu.js';

// A small decode-like step: embed the token ids, RMS-normalize into q, copy the first rows' bytes of q into k,
// and rotate q and k at the positions. Its inputs live in fixed buffers, so a graph of it follows their contents.
const tokens = 5, vocab = 50, numHeads = 4, numKvHeads = 2, headSize = 64, maxPosition = 64;
const hidden = numHeads * headSize, kvWidth = numKvHeads * headSize;

interface StepInputs { ids: DeviceTensor; positions: DeviceTensor; table: DeviceTensor; weight: DeviceTensor; cosSin: DeviceTensor }
interface StepOutputs { embedded: DeviceTensor; q: DeviceTensor; k: DeviceTensor }

function enqueueStep(x: StepInputs, out: StepOutputs): void {
  const { ops } = gpuAddon();
  ops.gpuEmbedding(x.ids, x.table, out.embedded);
  ops.gpuRmsNorm(out.embedded, x.weight, 1e-6, out.q);
  out.k.data.copyFrom(out.q.data, out.k.byteLength);
  ops.gpuRotaryEmbedding(x.positions, out.q, out.k, x.cosSin, headSize, true);
}

function downloadAll(out: StepOutputs): Uint16Array[] {
  return [out.embedded, out.q, out.k].map((t) => t.download(new Uint16Array(t.byteLength / 2)));
}

function randomInts(n: number, below: number, seed: number): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r() * below));
}

const code = (c: string) => expect.objectContaining({ code: c });

describe.skipIf(noGpu)('GPU graph capture and replay', () => {
  const pool = new DevicePool();
  const graphs: GpuGraph[] = [];
  afterEach(() => {
    for (const g of graphs.splice(0)) g.dispose();
    pool.dispose();
  });

  function capture(record: () => void): GpuGraph {
    const g = gpuAddon().gpu.captureGraph(0, record);
    graphs.push(g);
    return g;
  }

  function stepInputs(): StepInputs {
    return {
      ids: pool.i32([tokens], randomInts(tokens, vocab, 1)),
      positions: pool.i32([tokens], randomInts(tokens, maxPosition, 2)),
      table: pool.half('bf16', [vocab, hidden], randomF32(vocab * hidden, 3)),
      weight: pool.half('bf16', [hidden], randomF32(hidden, 4, 1.5)),
      cosSin: pool.f32([maxPosition, headSize], randomF32(maxPosition * headSize, 5)),
    };
  }

  const poisonedOutputs = (): StepOutputs => ({
    embedded: pool.poisoned('bf16', [tokens, hidden]),
    q: pool.poisoned('bf16', [tokens, hidden]),
    k: pool.poisoned('bf16', [tokens, kvWidth]),
  });

  it('records without running, then replays on new input contents exactly as the ops run eagerly', () => {
    const { gpu } = gpuAddon();
    const x = stepInputs();
    const q = pool.poisoned('bf16', [tokens, hidden]), k = pool.poisoned('bf16', [tokens, kvWidth]);
    let embedded: DeviceTensor | undefined;
    const g = capture(() => {
      embedded = DeviceTensor.empty(gpu, 'bf16', [tokens, hidden]); // scratch from the graph's pool
      enqueueStep(x, { embedded, q, k });
    });
    const graphOut = { embedded: embedded!, q, k };
    gpu.synchronize(0);
    expect(q.download(new Uint16Array(tokens * hidden)).every((b) => b === 0xffff)).toBe(true);

    const eagerOut = poisonedOutputs();
    for (let round = 0; round < 3; round++) {
      x.ids.data.upload(randomInts(tokens, vocab, 10 + round));
      x.positions.data.upload(randomInts(tokens, maxPosition, 20 + round));
      x.weight.data.upload(toHalf('bf16', randomF32(hidden, 30 + round, 1.5)));
      g.replay();
      if (round === 2) g.replay(); // the step is idempotent: twice in a row gives the same
      enqueueStep(x, eagerOut);
      const got = downloadAll(graphOut), want = downloadAll(eagerOut);
      expect(got[1]!.includes(0xffff)).toBe(false); // every element written
      for (let i = 0; i < 3; i++) expect(got[i]).toEqual(want[i]);
    }
    embedded!.dispose();
  });

  it('keeps memory allocated during a capture out of the general cache until dispose', () => {
    const { gpu } = gpuAddon();
    gpu.emptyCache();
    const size = (5 << 20) + 123; // rounds to 6 MiB
    const before = gpu.allocatorStats(0);
    const g = capture(() => {
      const a = new gpu.DeviceBuffer(size);
      a.fill(1);
      a.free(); // back to the graph's pool: the next allocation of this capture reuses it
      const b = new gpu.DeviceBuffer(size);
      b.fill(2);
      b.free();
    });
    const captured = gpu.allocatorStats(0);
    expect(captured.deviceMallocs).toBe(before.deviceMallocs + 1);
    expect(captured.cacheHits).toBe(before.cacheHits + 1);
    expect(captured.graphPoolBytes).toBe(before.graphPoolBytes + (6 << 20));
    expect(captured.allocatedBytes).toBe(before.allocatedBytes);

    const outside = new gpu.DeviceBuffer(size); // must not be given the graph's block
    const after = gpu.allocatorStats(0);
    expect(after.deviceMallocs).toBe(captured.deviceMallocs + 1);
    expect(after.cacheHits).toBe(captured.cacheHits);
    outside.free();
    gpu.emptyCache(); // frees `outside`'s block, not the graph's
    expect(gpu.allocatorStats(0).reservedBytes).toBe(gpu.allocatorStats(0).allocatedBytes + captured.graphPoolBytes);
    g.replay();
    gpu.synchronize(0);

    g.dispose();
    const disposed = gpu.allocatorStats(0);
    expect(disposed.graphPoolBytes).toBe(before.graphPoolBytes);
    const reuse = new gpu.DeviceBuffer(size); // the graph's block is general cache now
    expect(gpu.allocatorStats(0).cacheHits).toBe(disposed.cacheHits + 1);
    reuse.free();
    gpu.emptyCache();
    const emptied = gpu.allocatorStats(0);
    expect(emptied.reservedBytes).toBe(emptied.allocatedBytes + emptied.graphPoolBytes);
  });

  it('replays paged decode attention, whose split over partitions takes scratch from the graph pool', () => {
    const { gpu, ops } = gpuAddon();
    const spec: DecodeSpec = { dtype: 'bf16', seqLens: [1, 700, 3001], numHeads: 8, numKvHeads: 2, headSize: 128, blockSize: 16, seed: 40 };
    const b = makeDecodeBatch(spec);
    const n = spec.seqLens.length, qShape = [n, spec.numHeads, spec.headSize];
    const q = pool.half('bf16', qShape, b.q), seqLens = pool.i32([n], spec.seqLens);
    const kc = pool.half('bf16', b.cacheShape, b.keyCache), vc = pool.half('bf16', b.cacheShape, b.valueCache);
    const tables = pool.i32([n, b.maxBlocks], b.blockTables);
    const maxSeqLen = spec.blockSize * b.maxBlocks; // what the block tables allow: the plan a graph keeps for any lengths
    const decode = (out: DeviceTensor) => ops.gpuPagedDecodeAttention(q, kc, vc, seqLens, tables, maxSeqLen, { scale: 0.09 }, out);
    const graphOut = pool.poisoned('bf16', qShape), eagerOut = pool.poisoned('bf16', qShape);
    const before = gpu.allocatorStats(0);
    const g = capture(() => decode(graphOut));
    const captured = gpu.allocatorStats(0);
    expect(captured.graphPoolBytes).toBeGreaterThan(before.graphPoolBytes); // the partials
    expect(captured.allocatedBytes).toBe(before.allocatedBytes);
    for (const [round, lens] of [[0, [1, 700, 3001]], [1, [1, 333, 2000]]] as const) {
      const newQ = randomF32(n * spec.numHeads * spec.headSize, 50 + round);
      q.data.upload(toHalf('bf16', newQ));
      seqLens.data.upload(Int32Array.from(lens));
      g.replay();
      decode(eagerOut);
      const got = downloadHalf('bf16', graphOut);
      expect(got).toEqual(downloadHalf('bf16', eagerOut));
      const s2 = { ...spec, seqLens: lens };
      const want = cpuDecode(s2, { ...b, q: Float32Array.from(downloadHalf('bf16', q)) }, { scale: 0.09 });
      expect(halfViolation('bf16', got, want, 2e-3)).toBeLessThanOrEqual(1);
    }
  });

  it('discards a capture whose callback throws and leaves the stream usable', () => {
    const { gpu, ops } = gpuAddon();
    const x = stepInputs();
    const out = poisonedOutputs();
    const graphBytes = gpu.allocatorStats(0).graphPoolBytes;
    expect(() => capture(() => {
      enqueueStep(x, { ...out, embedded: DeviceTensor.empty(gpu, 'bf16', [tokens, hidden]) });
      throw new Error('boom');
    })).toThrow('boom');
    const f16Weight = pool.half('f16', [hidden], randomF32(hidden, 6));
    expect(() => capture(() => ops.gpuRmsNorm(out.q, f16Weight, 1e-6, out.q))).toThrow(code('HS_DTYPE_MISMATCH'));
    expect(() => capture(() => gpu.synchronize(0))).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => capture(() => out.q.download(new Uint16Array(tokens * hidden)))).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => capture(() => x.ids.data.upload(new Int32Array(tokens)))).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => capture(() => capture(() => {}))).toThrow(code('HS_INVALID_ARGUMENT')); // one capture at a time
    expect(() => gpu.captureGraph(0, (async () => {}) as () => void)).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(graphs).toHaveLength(0);
    expect(gpu.allocatorStats(0).graphPoolBytes).toBe(graphBytes);

    // The poisoned outputs were not written by the discarded recordings; eager ops and a new capture work.
    gpu.synchronize(0);
    expect(out.q.download(new Uint16Array(tokens * hidden)).every((b) => b === 0xffff)).toBe(true);
    enqueueStep(x, out);
    const want = downloadAll(out);
    const again = poisonedOutputs();
    capture(() => enqueueStep(x, again)).replay();
    expect(downloadAll(again)).toEqual(want);
  });

  it('reports a kernel fault raised by a replay at the next synchronize', () => {
    const { gpu, ops } = gpuAddon();
    const x = stepInputs();
    const out = pool.poisoned('bf16', [tokens, hidden]);
    const g = capture(() => ops.gpuEmbedding(x.ids, x.table, out));
    x.ids.data.upload(Int32Array.from([0, 1, vocab, 2, 3]));
    g.replay();
    expect(() => gpu.synchronize(0)).toThrow(code('HS_OUT_OF_BOUNDS'));
    x.ids.data.upload(Int32Array.from([0, 1, 2, 3, 4]));
    g.replay();
    gpu.synchronize(0);
  });

  it('throws coded errors for bad arguments and replay after dispose', () => {
    const { gpu } = gpuAddon();
    expect(() => gpu.captureGraph(0, 5 as never)).toThrow(code('HS_INVALID_ARGUMENT'));
    expect(() => gpu.captureGraph(gpu.deviceCount(), () => {})).toThrow(code('HS_INVALID_ARGUMENT'));
    const g = capture(() => {}); // an empty graph replays as a no-op
    expect(g.device).toBe(0);
    g.replay();
    g.dispose();
    expect(g.disposed).toBe(true);
    expect(() => g.replay()).toThrow(code('HS_INVALID_ARGUMENT'));
    g.dispose();
  });
});
