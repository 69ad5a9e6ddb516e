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

// hipMalloc is not stream-ordered, so an active capture forbids it on its thread in the default modes; serving a
// capture from its graph pool is the point, so a malloc is allowed under this guard (the runtime's push-pop idiom).
class RelaxedCaptureMode {
 public:
  RelaxedCaptureMode() { HS_GPU_CHECK(hipThreadExchangeStreamCaptureMode(&mode_)); }
  ~RelaxedCaptureMode() { (void)hipThreadExchangeStreamCaptureMode(&mode_); }
  RelaxedCaptureMode(const RelaxedCaptureMode&) = delete;
  RelaxedCaptureMode& operator=(const RelaxedCaptureMode&) = delete;

 private:
  hipStreamCaptureMode mode_ = hipStreamCaptureModeRelaxed;
};

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

uint64_t DeviceAllocator::capturing_pool(int device, hipStream_t stream) const {
  auto it = capturing_.find({device, stream});
  return it == capturing_.end() ? kGeneral : it->second;
}

DeviceAllocator::Cache& DeviceAllocator::cache_of(uint64_t pool) {
  return pool == kGeneral ? pool_ : graph_pools_.at(pool).cached;
}

void* DeviceAllocator::take_cached(Cache& cache, int device, hipStream_t stream, size_t size) {
  auto it = cache.lower_bound(PoolKey{device, stream, size});
  if (it == cache.end() || std::get<0>(it->first) != device || std::get<1>(it->first) != stream) return nullptr;
  const size_t found = std::get<2>(it->first);
  if (size < kSmallLimit ? found != size : found - size > max_slack(size)) return nullptr;
  Block block = it->second;
  cache.erase(it);
  live_.emplace(block.ptr, block);
  return block.ptr;
}

void DeviceAllocator::move_to_pool(Block& block, uint64_t pool) {
  if (block.pool == pool) return;
  size_t& graph_bytes = stats_[block.device].graph_pool_bytes;
  if (block.pool != kGeneral) {
    graph_pools_.at(block.pool).bytes -= block.size;
    graph_bytes -= block.size;
  }
  if (pool != kGeneral) {
    graph_pools_.at(pool).bytes += block.size;
    graph_bytes += block.size;
  }
  block.pool = pool;
}

void* DeviceAllocator::device_malloc(int device, size_t size) {
  DeviceGuard guard(device);
  RelaxedCaptureMode relaxed;
  void* ptr = nullptr;
  hipError_t err = hipMalloc(&ptr, size);
  if (err == hipErrorOutOfMemory && capturing_.empty()) {
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
  const uint64_t pool = capturing_pool(device, stream);
  void* ptr = take_cached(cache_of(pool), device, stream, size);
  size_t taken = size;
  if (ptr != nullptr) {
    ++s.cache_hits;
    taken = live_.at(ptr).size;
  } else {
    ptr = device_malloc(device, size);
    ++s.device_mallocs;
    s.reserved_bytes += size;
    Block block{ptr, size, device, stream, kGeneral};
    move_to_pool(block, pool);
    live_.emplace(ptr, block);
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
  const uint64_t capture = capturing_pool(block.device, block.stream);
  if (capture != kGeneral) move_to_pool(block, capture);  // the capture may have recorded a use of it
  cache_of(block.pool).emplace(PoolKey{block.device, block.stream, block.size}, block);
}

void DeviceAllocator::free_cached(int device) {
  if (!capturing_.empty()) return;
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

uint64_t DeviceAllocator::begin_capture(int device, hipStream_t stream) {
  std::lock_guard<std::mutex> lock(mu_);
  if (capturing_pool(device, stream) != kGeneral)
    throw Error(ErrorCode::invalid_argument,
                "a graph capture is already active on device " + std::to_string(device) + "'s stream");
  const uint64_t pool = next_pool_++;
  graph_pools_.emplace(pool, GraphPool{device});
  capturing_.emplace(std::make_pair(device, stream), pool);
  return pool;
}

void DeviceAllocator::end_capture(int device, hipStream_t stream) {
  std::lock_guard<std::mutex> lock(mu_);
  capturing_.erase({device, stream});
}

void DeviceAllocator::release_pool(uint64_t pool) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = graph_pools_.find(pool);
  if (it == graph_pools_.end()) return;
  for (auto& [ptr, block] : live_)
    if (block.pool == pool) move_to_pool(block, kGeneral);
  for (auto& [key, block] : it->second.cached) {
    move_to_pool(block, kGeneral);
    pool_.emplace(key, block);
  }
  graph_pools_.erase(it);
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
