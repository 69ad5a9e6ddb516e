/** Random matmul problems and a plain f64 reference, shared by the matmul tests and the per-ISA runs. */
import { bf16ToF32, f16ToF32, toBf16Array, toF16Array } from '../../bindings/half.js';
import type { TensorArg } from '../../bindings/tensor.js';
import { randomF32 } from './random.js';

export type WeightDType = 'f32' | 'f16' | 'bf16';

export interface MatmulCase {
  m: number;
  n: number;
  k: number;
  dtype: WeightDType;
  bias: boolean;
  /** Extra elements between rows of x (a strided view); 0 means dense. */
  xPad?: number;
}

export interface MatmulProblem {
  readonly x: TensorArg;
  readonly w: TensorArg;
  readonly bias: TensorArg | null;
  readonly out: TensorArg & { data: Float32Array };
  /** The reference result and, per element, Σ|x·w| + |bias| (the scale of f32 rounding error). */
  readonly expected: Float64Array;
  readonly magnitude: Float64Array;
}

export const caseName = (c: MatmulCase): string =>
  `${c.m}x${c.n}x${c.k} ${c.dtype}${c.bias ? ' +bias' : ''}${c.xPad ? ` x-stride+${c.xPad}` : ''}`;

/**
 * Shapes (M, N, K) reaching the tails of both kernels: odd sizes; decode and small batches (dot products:
 * M < 16, or M < 32 for 16-bit weights); prefill (packed blocks of 16/32 rows, passes of 256 rows, weight
 * chunks of 96 rows, K slices of 512); enough work to be split over threads.
 */
export const MATMUL_SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1], [3, 17, 5], [3, 5, 17], [7, 33, 129], [7, 129, 33], [1, 64, 4096], [2, 37, 4099], [5, 300, 257],
  [16, 30, 50], [20, 41, 300], [33, 13, 129], [40, 25, 77], [300, 20, 33], [36, 203, 1100],
];

/** Every shape with each weight dtype; bias and a strided x vary with the dtype so each path sees both. */
export function matmulCases(): MatmulCase[] {
  const variants = [
    { dtype: 'f32', bias: true, xPad: 3 },
    { dtype: 'f16', bias: false, xPad: 0 },
    { dtype: 'bf16', bias: false, xPad: 5 },
    { dtype: 'bf16', bias: true, xPad: 0 },
  ] as const;
  return MATMUL_SHAPES.flatMap(([m, n, k]) => variants.map((v) => ({ m, n, k, ...v })));
}

function quantize(values: Float32Array, dtype: WeightDType): { data: Float32Array | Uint16Array; exact: Float64Array } {
  if (dtype === 'f32') return { data: values, exact: Float64Array.from(values) };
  const bits = dtype === 'bf16' ? toBf16Array(values) : toF16Array(values);
  const decode = dtype === 'bf16' ? bf16ToF32 : f16ToF32;
  return { data: bits, exact: Float64Array.from(bits, decode) };
}

export function makeMatmulProblem(c: MatmulCase, seed: number): MatmulProblem {
  const { m, n, k } = c;
  const xStride = k + (c.xPad ?? 0);
  const xData = randomF32((m - 1) * xStride + k, seed);
  const w = quantize(randomF32(n * k, seed + 1), c.dtype);
  const bias = c.bias ? randomF32(n, seed + 2) : null;

  const expected = new Float64Array(m * n);
  const magnitude = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = bias ? bias[j]! : 0;
      let mag = Math.abs(sum);
      for (let kk = 0; kk < k; kk++) {
        const prod = xData[i * xStride + kk]! * w.exact[j * k + kk]!;
        sum += prod;
        mag += Math.abs(prod);
      }
      expected[i * n + j] = sum;
      magnitude[i * n + j] = mag;
    }

  return {
    x: { data: xData, dtype: 'f32', shape: [m, k], strides: [xStride, 1] },
    w: { data: w.data, dtype: c.dtype, shape: [n, k] },
    bias: bias ? { data: bias, dtype: 'f32', shape: [n] } : null,
    out: { data: new Float32Array(m * n), dtype: 'f32', shape: [m, n] },
    expected,
    magnitude,
  };
}

/**
 * Largest error relative to what f32 accumulation allows: 1e-5 · (Σ|x·w| + |bias|) per element, well above
 * the rounding of K-term f32 sums for K ≤ 10⁴ and far below any indexing mistake. <= 1 passes.
 */
export function matmulViolation(actual: ArrayLike<number>, p: MatmulProblem): number {
  let worst = 0;
  for (let i = 0; i < p.expected.length; i++) {
    const err = Math.abs(actual[i]! - p.expected[i]!);
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err / (1e-5 * p.magnitude[i]! + 1e-30));
  }
  return worst;
}
