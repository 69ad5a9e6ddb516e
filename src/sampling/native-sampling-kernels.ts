import type { NativeOps } from '../../bindings/addon.js';
import type { SamplingKernels } from './sampling-kernels.js';

type SamplingOps = Pick<NativeOps, 'argmax' | 'topKTopPMinP' | 'sampleCategorical'>;

/** The addon's sampling kernels, or null when this addon build lacks them. */
export function nativeSamplingKernels(ops: Partial<SamplingOps>): SamplingKernels | null {
  const { argmax, topKTopPMinP, sampleCategorical } = ops;
  if (!argmax || !topKTopPMinP || !sampleCategorical) return null;
  const f32 = (data: Float32Array, shape: number[]) => ({ data, dtype: 'f32' as const, shape });
  const i32 = (data: Int32Array, shape: number[]) => ({ data, dtype: 'i32' as const, shape });
  return {
    argmax(logits, numRows, vocabSize, out) {
      argmax.call(ops, f32(logits.subarray(0, numRows * vocabSize), [numRows, vocabSize]), i32(out.subarray(0, numRows), [numRows]));
    },
    topKTopPMinP(logits, numRows, vocabSize, topK, topP, minP) {
      topKTopPMinP.call(ops, f32(logits.subarray(0, numRows * vocabSize), [numRows, vocabSize]),
        i32(topK.subarray(0, numRows), [numRows]), f32(topP.subarray(0, numRows), [numRows]),
        f32(minP.subarray(0, numRows), [numRows]));
    },
    sampleCategorical(logits, numRows, vocabSize, uniform, out) {
      sampleCategorical.call(ops, f32(logits.subarray(0, numRows * vocabSize), [numRows, vocabSize]),
        f32(uniform.subarray(0, numRows), [numRows]), i32(out.subarray(0, numRows), [numRows]));
    },
  };
}
