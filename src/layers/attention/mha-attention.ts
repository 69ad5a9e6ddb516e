import type { AttentionOptions, NativeOps } from '../../../bindings/addon.js';
import type { TensorArg } from '../../../bindings/tensor.js';
import type { AttentionMetadata } from './attention-metadata.js';
import type { PagedKvCache } from './paged-kv-cache.js';

export interface MhaAttentionParams {
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** Softmax scale; default 1/sqrt(headDim). */
  scale?: number;
  /** > 0: a query at position p sees keys at positions > p - slidingWindow. */
  slidingWindow?: number | null;
  /** [numHeads]: one extra logit per head in each softmax denominator (gpt-oss). */
  sinks?: Float32Array;
}

/**
 * Multi-head attention (MHA, GQA, MQA) over a paged KV cache: writes this step's keys and values into their slots,
 * then attends each query to its sequence's cached context (prefill chunks and decodes in one call).
 */
export class MhaAttention {
  private readonly options: AttentionOptions;

  constructor(
    private readonly ops: NativeOps,
    readonly params: MhaAttentionParams,
  ) {
    this.options = { scale: params.scale ?? 1 / Math.sqrt(params.headDim) };
    if (params.slidingWindow && params.slidingWindow > 0) this.options.slidingWindow = params.slidingWindow;
    if (params.sinks) this.options.sinks = { data: params.sinks, dtype: 'f32', shape: [params.numHeads] };
  }

  /** q [T, Hq, D], k and v [T, Hk, D] (RoPE already applied) → out [T, Hq, D]. */
  forward(q: TensorArg, k: TensorArg, v: TensorArg, cache: PagedKvCache, meta: AttentionMetadata, out: TensorArg): void {
    this.ops.reshapeAndCache(k, v, cache.key, cache.value, meta.slotMapping);
    this.ops.pagedAttention(q, cache.key, cache.value, meta.queryStartLoc, meta.seqLens, meta.blockTables, this.options,
      out);
  }
}
