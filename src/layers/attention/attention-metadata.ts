import type { TensorArg } from '../../../bindings/tensor.js';
import type { ForwardBatch } from '../../models/forward-batch.js';

/** The batch's attention inputs as kernel arguments, built once per step and shared by every layer. */
export interface AttentionMetadata {
  readonly numTokens: number;
  readonly slotMapping: TensorArg;
  readonly queryStartLoc: TensorArg;
  readonly seqLens: TensorArg;
  readonly blockTables: TensorArg;
}

export function attentionMetadata(batch: ForwardBatch): AttentionMetadata {
  const { numTokens, numSeqs, maxBlocksPerSeq } = batch;
  return {
    numTokens,
    slotMapping: { data: batch.slotMapping, dtype: 'i32', shape: [numTokens] },
    queryStartLoc: { data: batch.queryStartLoc, dtype: 'i32', shape: [numSeqs + 1] },
    seqLens: { data: batch.seqLens, dtype: 'i32', shape: [numSeqs] },
    blockTables: { data: batch.blockTables, dtype: 'i32', shape: [numSeqs, maxBlocksPerSeq] },
  };
}
