import type { AttentionOptions, NativeOps } from '../../../bindings/addon.js';
import type { TensorArg } from '../../../bindings/tensor.js';
import type { AttentionMetadata } from './attention-metadata.js';
import { latentDim, type MlaDims, qkHeadDim } from './mla-dims.js';
import type { KvBProjHeads } from './mla-kv-b-proj.js';
import type { MlaLatentCache } from './mla-latent-cache.js';
import type { MlaPrefillBuffers } from './mla-prefill-buffers.js';
import type { MlaStepViews } from './mla-scratch.js';

/**
 * MLA's expanded form for steps with prefill chunks: each sequence's cached latents (its whole context, this step's
 * included) are decompressed through kv_b_proj into per-head keys and values, and the queries attend to them as
 * ordinary multi-head attention. Per head, with qk = rope + nope:
 *
 *   key   [k_pe | c_kv·W_UKᵀ]        query [q_pe | q_nope]        (both roped parts first)
 *   value [c_kv·W_UVᵀ | 0 …]         padded to qk, as flash attention pads v_head_dim
 *
 * The decompressed context sits in one contiguous buffer; attention reads it as a paged cache of block size 1
 * whose block table for sequence b lists its rows.
 */
export class MlaExpandedPrefill {
  constructor(
    private readonly ops: NativeOps,
    private readonly dims: MlaDims,
    private readonly kvB: KvBProjHeads,
    private readonly options: AttentionOptions,
  ) {}

  /** The values fit a key-sized head (v_head_dim <= qk_nope + qk_rope, as in every DeepSeek). */
  static serves(dims: MlaDims): boolean {
    return dims.vHeadDim <= qkHeadDim(dims);
  }

  /** s.q (q_nope), s.qAbs (roped q_pe) and the cache holding this step's latents → s.attnOut. */
  forward(s: MlaStepViews, cache: MlaLatentCache, meta: AttentionMetadata): void {
    const { numHeads: h, qkNopeHeadDim: nope, qkRopeHeadDim: r, vHeadDim: v } = this.dims;
    const qk = qkHeadDim(this.dims), lat = latentDim(this.dims);
    const seqLens = meta.seqLens.data as Int32Array;
    const numSeqs = meta.seqLens.shape[0]!;
    let numContext = 0, maxSeqLen = 0;
    for (let b = 0; b < numSeqs; b++) {
      numContext += seqLens[b]!;
      maxSeqLen = Math.max(maxSeqLen, seqLens[b]!);
    }
    const buf = s.prefill;
    buf.reserve(s.numTokens, numContext, numSeqs * maxSeqLen);
    this.gatherContext(buf, cache, meta, maxSeqLen);

    const f32 = (data: Float32Array, shape: number[], strides?: number[]): TensorArg =>
      (strides ? { data, dtype: 'f32', shape, strides } : { data, dtype: 'f32', shape });
    const cKv = f32(buf.ctxLatent.subarray(r), [numContext, this.dims.kvLoraRank], [lat, 1]);
    for (let head = 0; head < h; head++) {
      this.ops.matmul(cKv, this.kvB.uk[head]!, null, f32(buf.keys.subarray(head * qk + r), [numContext, nope], [h * qk, 1]));
      this.ops.matmul(cKv, this.kvB.uv[head]!, null, f32(buf.values.subarray(head * qk), [numContext, v], [h * qk, 1]));
    }
    for (let row = 0; row < numContext; row++) {
      const kPe = buf.ctxLatent.subarray(row * lat, row * lat + r);
      for (let head = 0; head < h; head++) buf.keys.set(kPe, (row * h + head) * qk);
    }
    for (let row = 0; row < s.numTokens * h; row++) {
      buf.queries.set(s.qAbsData.subarray(row * lat, row * lat + r), row * qk);
      buf.queries.set(s.qData.subarray(row * qk, row * qk + nope), row * qk + r);
    }
    const t = s.numTokens;
    const cacheShape = [numContext, 1, h, qk];
    this.ops.pagedAttention(f32(buf.queries, [t, h, qk]), f32(buf.keys, cacheShape), f32(buf.values, cacheShape),
      meta.queryStartLoc, meta.seqLens, { data: buf.blockTables, dtype: 'i32', shape: [numSeqs, maxSeqLen] },
      this.options, f32(buf.out, [t, h, qk]));
    for (let row = 0; row < t * h; row++) s.attnOutData.set(buf.out.subarray(row * qk, row * qk + v), row * v);
  }

  /** Copies each sequence's latents out of its blocks into consecutive rows and lists the rows per sequence. */
  private gatherContext(buf: MlaPrefillBuffers, cache: MlaLatentCache, meta: AttentionMetadata, maxSeqLen: number): void {
    const lat = latentDim(this.dims);
    const latents = cache.latent.data as Float32Array;
    const seqLens = meta.seqLens.data as Int32Array;
    const tables = meta.blockTables.data as Int32Array;
    const maxBlocks = meta.blockTables.shape[1]!;
    const { blockSize } = cache;
    let row = 0;
    for (let b = 0; b < meta.seqLens.shape[0]!; b++) {
      for (let pos = 0; pos < seqLens[b]!; pos++, row++) {
        const slot = tables[b * maxBlocks + Math.floor(pos / blockSize)]! * blockSize + (pos % blockSize);
        buf.ctxLatent.set(latents.subarray(slot * lat, (slot + 1) * lat), row * lat);
        buf.blockTables[b * maxSeqLen + pos] = row;
      }
    }
  }
}
