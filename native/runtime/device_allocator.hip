#include "runtime/device_allocator.h"

#include <string>

#include "platform/gpu_check.h"
#include "runtime/device.h"

namespace hipserve::gpu {
namespace {

constexpr size_t kSmallLimit = size_t{1} << 20;
constexpr size_t kSmallRound = 512;
constexpr size_t kLargeRound = size_t{2} << 20;
// A cached large block serves a request up to this much smaller than itself (an eighth, at least 2 MiB),
// so a big block is not tied up by a small request.
size_t max_slack(size_t size) { return std::max(size / 8, kLargeRound); }

}  // namespace

DeviceAllocator& DeviceAllocator::instance() {
  static DeviceAllocator* allocator = new DeviceAllocator();  // kept until exit, like the default streams
  return *allocator;
}

size_t DeviceAllocator::round_size(size_t bytes) {
  if (bytes == 0) bytes = 1;
  const size_t unit = bytes < kSmallLimit ? kSmallRound : kLargeRound;
  return (bytes + unit - 1) / unit * unit;
}

void* DeviceAllocator::take_cached(int device, hipStream_t stream, size_t size) {
  auto it = pool_.lower_bound(PoolKey{device, stream, size});
  if (it == pool_.end() || std::get<0>(it->first) != device || std::get<1>(it->first) != stream) return nullptr;
  const size_t found = std::get<2>(it->first);
  if (size < kSmallLimit ? found != size : found - size > max_slack(size)) return nullptr;
  Block block = it->second;
  pool_.erase(it);
  live_.emplace(block.ptr, block);
  return block.ptr;
}

void* DeviceAllocator::device_malloc(int device, size_t size) {
  DeviceGuard guard(device);
  void* ptr = nullptr;
  hipError_t err = hipMalloc(&ptr, size);
  if (err == hipErrorOutOfMemory) {
    (void)hipGetLastError();
    free_cached(device);
    err = hipMalloc(&ptr, size);
  }
  if (err == hipErrorOutOfMemory) {
    (void)hipGetLastError();
    throw Error(ErrorCode::device_error, "out of device memory: " + std::to_string(size) + " bytes on device " +
                                             std::to_string(device) + " (" +
                                             std::to_string(stats_[device].allocated_bytes) + " bytes in use)");
  }
  HS_GPU_CHECK(err);
  return ptr;
}

void* DeviceAllocator::allocate(size_t bytes, int device, hipStream_t stream) {
  const size_t size = round_size(bytes);
  std::lock_guard<std::mutex> lock(mu_);
  AllocatorStats& s = stats_[device];
  void* ptr = take_cached(device, stream, size);
  size_t taken = size;
  if (ptr != nullptr) {
    ++s.cache_hits;
    taken = live_.at(ptr).size;
  } else {
    ptr = device_malloc(device, size);
    ++s.device_mallocs;
    s.reserved_bytes += size;
    live_.emplace(ptr, Block{ptr, size, device, stream});
  }
  s.allocated_bytes += taken;
  s.peak_allocated_bytes = std::max(s.peak_allocated_bytes, s.allocated_bytes);
  return ptr;
}

void DeviceAllocator::release(void* ptr) {
  if (ptr == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(ptr);
  if (it == live_.end()) throw Error(ErrorCode::invalid_argument, "release of a pointer this allocator does not own");
  Block block = it->second;
  live_.erase(it);
  stats_[block.device].allocated_bytes -= block.size;
  pool_.emplace(PoolKey{block.device, block.stream, block.size}, block);
}

void DeviceAllocator::free_cached(int device) {
  // hipFree waits for the device, so work still using a released block finishes first.
  for (auto it = pool_.begin(); it != pool_.end();) {
    if (device >= 0 && it->second.device != device) {
      ++it;
      continue;
    }
    DeviceGuard guard(it->second.device);
    HS_GPU_CHECK(hipFree(it->second.ptr));
    stats_[it->second.device].reserved_bytes -= it->second.size;
    it = pool_.erase(it);
  }
}

void DeviceAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  free_cached(-1);
}

AllocatorStats DeviceAllocator::stats(int device) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = stats_.find(device);
  return it == stats_.end() ? AllocatorStats{} : it->second;
}

DeviceAllocation::DeviceAllocation(size_t bytes, int device, hipStream_t stream)
    : ptr_(DeviceAllocator::instance().allocate(bytes, device, stream)), bytes_(bytes), device_(device) {}

DeviceAllocation& DeviceAllocation::operator=(DeviceAllocation&& other) noexcept {
  if (this != &other) {
    reset();
    ptr_ = other.ptr_;
    bytes_ = other.bytes_;
    device_ = other.device_;
    other.ptr_ = nullptr;
    other.bytes_ = 0;
  }
  return *this;
}

void DeviceAllocation::reset() {
  if (ptr_ != nullptr) DeviceAllocator::instance().release(ptr_);
  ptr_ = nullptr;
  bytes_ = 0;
}

}  // namespace hipserve::gpu
