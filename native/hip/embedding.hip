#include "hip/embedding.h"

#include <algorithm>

#include "hip/checks.h"
#include "hip/launch.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"
#include "runtime/kernel_faults.h"

namespace hipserve::gpu {
namespace {

// One block per token copies its row in units of U (uint4: 16 bytes per lane).
template <typename U>
__global__ void embedding_kernel(const int32_t* ids, const uint8_t* table, int64_t table_stride, int64_t vocab,
                                 int units, uint8_t* out, int64_t out_stride, int32_t* fault) {
  const int64_t token = blockIdx.x;
  const int32_t id = ids[token];
  const bool valid = id >= 0 && id < vocab;
  if (!valid && threadIdx.x == 0) raise_kernel_fault(fault, kFaultTokenId);
  const U* src = reinterpret_cast<const U*>(table + (valid ? id : 0) * table_stride);
  U* dst = reinterpret_cast<U*>(out + token * out_stride);
  for (int i = threadIdx.x; i < units; i += blockDim.x) dst[i] = valid ? src[i] : U{};
}

template <typename U>
void launch_units(const int32_t* ids, int64_t tokens, const void* table, int64_t table_stride, int64_t vocab,
                  int64_t row_bytes, void* out, int64_t out_stride, int32_t* fault, hipStream_t stream) {
  const int units = static_cast<int>(row_bytes / sizeof(U));
  const int threads = block_threads(units, 512);
  embedding_kernel<U><<<static_cast<unsigned>(tokens), threads, 0, stream>>>(
      ids, static_cast<const uint8_t*>(table), table_stride, vocab, units, static_cast<uint8_t*>(out), out_stride,
      fault);
  HS_GPU_CHECK_LAUNCH();
}

bool aligned(const void* p, int64_t stride, int64_t row_bytes, int unit) {
  return reinterpret_cast<uintptr_t>(p) % unit == 0 && stride % unit == 0 && row_bytes % unit == 0;
}

}  // namespace

void embedding_launch(const int32_t* ids, int64_t tokens, const void* table, int64_t table_stride, int64_t vocab,
                      int64_t row_bytes, void* out, int64_t out_stride, int unit_bytes, int32_t* fault,
                      hipStream_t stream) {
  auto launch = [&](auto unit) {
    launch_units<decltype(unit)>(ids, tokens, table, table_stride, vocab, row_bytes, out, out_stride, fault, stream);
  };
  switch (unit_bytes) {
    case 16: return launch(uint4{});
    case 4: return launch(uint32_t{});
    default: return launch(uint16_t{});
  }
}

void embedding(const TensorView& ids, const TensorView& table, const TensorView& out, hipStream_t stream) {
  const int device = table.device_index;
  check_device_rows(ids, "ids", device, 1, {DType::i32});
  check_device_rows(table, "table", device, 2, {DType::f32, DType::bf16, DType::f16});
  check_device_rows(out, "out", device, 2, {table.dtype});
  HS_CHECK(ids.is_contiguous(), invalid_argument, "ids: must be contiguous");
  check_dim(out, "out", 0, ids.size(0));
  check_dim(out, "out", 1, table.size(1));
  HS_CHECK(ids.size(0) > 0 && table.size(1) > 0, empty_batch, "embedding: no tokens or zero-width rows");
  HS_CHECK(ids.size(0) <= INT32_MAX, invalid_argument, "ids: at most 2^31 - 1 tokens per call");
  const int64_t elem = static_cast<int64_t>(dtype_size(table.dtype));
  const int64_t row_bytes = table.size(1) * elem, table_stride = table.stride(0) * elem;
  const int64_t out_stride = out.stride(0) * elem;
  int unit = static_cast<int>(elem);
  for (int candidate : {16, 4})
    if (unit < candidate && aligned(table.data, table_stride, row_bytes, candidate) &&
        aligned(out.data, out_stride, row_bytes, candidate)) {
      unit = candidate;
      break;
    }
  HS_CHECK(row_bytes / unit <= INT32_MAX, invalid_argument, "table: rows are too wide");
  DeviceGuard guard(device);
  embedding_launch(ids.ptr<int32_t>(), ids.size(0), table.data, table_stride, table.size(0), row_bytes, out.data,
                   out_stride, unit, kernel_fault_word(device), stream);
}

}  // namespace hipserve::gpu
