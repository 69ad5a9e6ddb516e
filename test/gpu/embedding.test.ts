import { afterEach, describe, expect, it } from 'vitest';

import { Tensor } from '../../bindings/tensor.js';
import { randomF32, rng } from '../helpers/random.js';
import { cpu, DevicePool, downloadHalf, gpuAddon, noGpu, roundHalf, toHalf, type HalfDType } from './helpers/gpu.js';

describe.skipIf(noGpu)('gpuEmbedding', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  function cpuEmbedding(ids: Int32Array, table: Float32Array, vocab: number, hidden: number, tableDtype: 'f32' | HalfDType) {
    const out = Tensor.f32([ids.length, hidden]);
    const t = tableDtype === 'f32' ? Tensor.f32([vocab, hidden], table) : Tensor.half(tableDtype, [vocab, hidden], toHalf(tableDtype, table));
    cpu.embedding(Tensor.i32([ids.length], ids), t, out);
    return out.data;
  }

  function randomIds(n: number, vocab: number, seed: number): Int32Array {
    const r = rng(seed);
    const ids = Int32Array.from({ length: n }, () => Math.floor(r() * vocab));
    ids[0] = 0;
    ids[n - 1] = vocab - 1;
    return ids;
  }

  // hidden 4096: 16-byte copies; 33: 2- or 4-byte copies.
  for (const dtype of ['f32', 'bf16', 'f16'] as const)
    for (const hidden of [4096, 33])
      it(`gathers the same rows as the CPU kernel (${dtype} table, hidden ${hidden})`, () => {
        const vocab = 1000, tokens = 57;
        const table = dtype === 'f32' ? randomF32(vocab * hidden, hidden) : roundHalf(dtype, randomF32(vocab * hidden, hidden));
        const ids = randomIds(tokens, vocab, hidden + 1);
        const out = pool.poisoned(dtype, [tokens, hidden]);
        const dtable = dtype === 'f32' ? pool.f32([vocab, hidden], table) : pool.half(dtype, [vocab, hidden], table);
        gpuAddon().ops.gpuEmbedding(pool.i32([tokens], ids), dtable, out);
        const got = dtype === 'f32' ? out.download(new Float32Array(tokens * hidden)) : downloadHalf(dtype, out);
        expect(got).toEqual(cpuEmbedding(ids, table, vocab, hidden, dtype));
      });

  it('zeroes the row of an out-of-range id and reports HS_OUT_OF_BOUNDS, then works again', () => {
    const { ops, gpu } = gpuAddon();
    const vocab = 10, hidden = 16;
    const table = pool.half('bf16', [vocab, hidden], randomF32(vocab * hidden, 1));
    const out = pool.poisoned('bf16', [3, hidden]);
    const oob = expect.objectContaining({ code: 'HS_OUT_OF_BOUNDS' });
    ops.gpuEmbedding(pool.i32([3], [1, vocab, -1]), table, out); // enqueued: the fault shows at the next check
    expect(() => gpu.synchronize(0)).toThrow(oob);
    expect(Array.from(downloadHalf('bf16', out).subarray(hidden))).toEqual(new Array(2 * hidden).fill(0));
    ops.gpuEmbedding(pool.i32([3], [1, 2, 3]), table, out);
    expect(downloadHalf('bf16', out).every(Number.isFinite)).toBe(true);
    ops.gpuEmbedding(pool.i32([3], [0, 0, vocab]), table, out);
    expect(() => downloadHalf('bf16', out)).toThrow(oob); // reading the result reports the fault behind it
    gpu.synchronize(0);
  });
});
