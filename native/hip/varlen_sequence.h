// Sequence b's slice of a varlen batch (query_start_loc / seq_lens), checked on the device by the attention kernels
// that take mixed prefill/extend/decode batches (paged prefill, MLA). Args: any of their argument structs.
#pragma once
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {

#if defined(HS_GPU_DEVICE_CODE)
// ok = false (and a fault when `report`) when its metadata is out of range.
struct VarlenSeq {
  int q_begin, query_len, seq_len;
  bool ok;
};

// seq_len <= max_seq_len <= block_size × block-table columns (checked by the entries) bounds the blocks read.
template <typename Args>
__device__ __forceinline__ VarlenSeq varlen_sequence(const Args& a, int b, bool report) {
  const int q0 = a.query_start_loc[b], q1 = a.query_start_loc[b + 1];
  const bool starts_ok = q0 >= 0 && q1 >= q0 && q1 <= a.num_tokens && q1 - q0 <= a.max_query_len &&
                         (b > 0 || q0 == 0) && (b + 1 < a.num_seqs || q1 == a.num_tokens);
  if (!starts_ok) {
    if (report) raise_kernel_fault(a.fault, kFaultQueryStart);
    return {0, 0, 0, false};
  }
  const int seq_len = a.seq_lens[b];
  if (seq_len < q1 - q0 || seq_len > a.max_seq_len) {
    if (report) raise_kernel_fault(a.fault, kFaultSeqLen);
    return {0, 0, 0, false};
  }
  return {q0, q1 - q0, seq_len, true};
}
#endif  // HS_GPU_DEVICE_CODE

}  // namespace hipserve::gpu
