#include "runtime/kernel_faults.h"

#include <array>
#include <mutex>
#include <string>

#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"

namespace hipserve::gpu {
namespace {

std::string describe(int32_t faults) {
  static const std::pair<int32_t, const char*> names[] = {
      {kFaultTokenId, "a token id outside the embedding table"},
      {kFaultPosition, "a position outside the cos/sin cache"},
      {kFaultSlot, "a slot outside the KV cache"},
      {kFaultBlockTable, "a block-table entry outside the KV cache"},
      {kFaultSeqLen, "a sequence length outside [1, max_seq_len] or beyond its block table"},
      {kFaultQueryStart, "query_start_loc not starting at 0, decreasing, past the tokens or past max_query_len"},
      {kFaultExpertId, "an expert id outside [0, experts)"},
  };
  std::string out;
  for (const auto& [bit, name] : names)
    if (faults & bit) out += (out.empty() ? "" : "; ") + std::string(name);
  return out;
}

}  // namespace

int32_t* kernel_fault_word(int device) {
  static std::array<int32_t*, kMaxDevices> words{};
  static std::mutex mu;
  check_device(device);
  std::lock_guard<std::mutex> lock(mu);
  if (words[device] == nullptr) {
    DeviceGuard guard(device);
    void* ptr = nullptr;
    HS_GPU_CHECK(hipMalloc(&ptr, sizeof(int32_t)));
    const int32_t zero = 0;
    HS_GPU_CHECK(hipMemcpy(ptr, &zero, sizeof zero, hipMemcpyHostToDevice));
    words[device] = static_cast<int32_t*>(ptr);
  }
  return words[device];
}

void check_kernel_faults(int device, hipStream_t stream) {
  int32_t* word = kernel_fault_word(device);
  DeviceGuard guard(device);
  int32_t faults = 0;
  HS_GPU_CHECK(hipMemcpyAsync(&faults, word, sizeof faults, hipMemcpyDeviceToHost, stream));
  HS_GPU_CHECK(hipStreamSynchronize(stream));
  if (faults == 0) return;
  HS_GPU_CHECK(hipMemsetAsync(word, 0, sizeof(int32_t), stream));
  HS_GPU_CHECK(hipStreamSynchronize(stream));
  throw Error(ErrorCode::out_of_bounds, "a kernel met " + describe(faults) + "; those entries were skipped");
}

}  // namespace hipserve::gpu
