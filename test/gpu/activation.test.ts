import { afterEach, describe, expect, it } from 'vitest';

import { Tensor } from '../../bindings/tensor.js';
import { randomF32 } from '../helpers/random.js';
import { cpu, DevicePool, downloadHalf, gpuAddon, HALF_DTYPES, halfViolation, noGpu, roundHalf } from './helpers/gpu.js';

describe.skipIf(noGpu)('gpuSiluAndMul and gpuGeluTanhAndMul', () => {
  const pool = new DevicePool();
  afterEach(() => pool.dispose());

  const kernels = [
    ['gpuSiluAndMul', 'siluAndMul'],
    ['gpuGeluTanhAndMul', 'geluTanhAndMul'],
  ] as const;
  // inter = 1000 and 7 are not multiples of 8: the element path.
  const shapes = [[1, 8], [5, 1000], [3, 7], [64, 11008]] as const;
  for (const [gpuName, cpuName] of kernels)
    for (const dtype of HALF_DTYPES)
      for (const [rows, inter] of shapes)
        it(`${gpuName} matches the CPU kernel for ${dtype} [${rows}, 2 × ${inter}]`, () => {
          const x = roundHalf(dtype, randomF32(rows * 2 * inter, rows * inter, 4));
          const out = pool.poisoned(dtype, [rows, inter]);
          gpuAddon().ops[gpuName](pool.half(dtype, [rows, 2 * inter], x), out);
          const want = Tensor.f32([rows, inter]);
          cpu[cpuName](Tensor.f32([rows, 2 * inter], x), want);
          expect(halfViolation(dtype, downloadHalf(dtype, out), want.data)).toBeLessThanOrEqual(1);
        });

  it('rejects an odd width and a mismatched output', () => {
    const { ops } = gpuAddon();
    const x = pool.half('bf16', [2, 9], new Float32Array(18));
    expect(() => ops.gpuSiluAndMul(x, pool.poisoned('bf16', [2, 4]))).toThrow(expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
    const y = pool.half('bf16', [2, 8], new Float32Array(16));
    expect(() => ops.gpuSiluAndMul(y, pool.poisoned('bf16', [2, 8]))).toThrow(expect.objectContaining({ code: 'HS_SHAPE_MISMATCH' }));
    expect(() => ops.gpuSiluAndMul(y, pool.poisoned('f16', [2, 4]))).toThrow(expect.objectContaining({ code: 'HS_DTYPE_MISMATCH' }));
  });
});
