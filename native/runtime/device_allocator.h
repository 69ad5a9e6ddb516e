// A caching device allocator. hipMalloc/hipFree are slow and synchronize the device, so released blocks are
// kept and handed out again: a steady-state decode step allocates nothing from the driver.
//
// Blocks are stream-ordered: a block released while work on `stream` may still use it goes back to that
// stream's pool, and only later allocations on the same stream reuse it (the stream runs them after the earlier
// work). It is never handed to another stream, so no event is needed.
//
//   request ─ round up (512 B below 1 MiB, 2 MiB above) ─▶ pool[device, stream] best fit ─ hit ─▶ reuse
//                                                                  └─ miss ─▶ hipMalloc (on OOM: empty the
//                                                                             cache, retry once)
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <tuple>
#include <unordered_map>

#include "platform/gpu.h"

namespace hipserve::gpu {

struct AllocatorStats {
  size_t allocated_bytes = 0;       // handed out and not yet released (rounded sizes)
  size_t reserved_bytes = 0;        // held from the driver: allocated plus cached
  size_t peak_allocated_bytes = 0;
  uint64_t device_mallocs = 0;      // calls that reached hipMalloc
  uint64_t cache_hits = 0;          // allocations served from the cache
};

class DeviceAllocator {
 public:
  static DeviceAllocator& instance();

  // Throws Error(device_error) when the device is out of memory even after the cache is emptied.
  void* allocate(size_t bytes, int device, hipStream_t stream);
  void release(void* ptr);
  // Returns every cached (released) block to the driver.
  void empty_cache();
  AllocatorStats stats(int device) const;

  static size_t round_size(size_t bytes);

 private:
  struct Block {
    void* ptr;
    size_t size;
    int device;
    hipStream_t stream;
  };
  using PoolKey = std::tuple<int, hipStream_t, size_t>;  // ordered by size within (device, stream)

  void* take_cached(int device, hipStream_t stream, size_t size);
  void* device_malloc(int device, size_t size);
  void free_cached(int device);  // caller holds mu_

  mutable std::mutex mu_;
  std::unordered_map<void*, Block> live_;
  std::multimap<PoolKey, Block> pool_;
  std::map<int, AllocatorStats> stats_;
};

// Owns one allocation and releases it to the allocator when destroyed.
class DeviceAllocation {
 public:
  DeviceAllocation() = default;
  DeviceAllocation(size_t bytes, int device, hipStream_t stream);
  ~DeviceAllocation() { reset(); }
  DeviceAllocation(DeviceAllocation&& other) noexcept { *this = static_cast<DeviceAllocation&&>(other); }
  DeviceAllocation& operator=(DeviceAllocation&& other) noexcept;
  DeviceAllocation(const DeviceAllocation&) = delete;
  DeviceAllocation& operator=(const DeviceAllocation&) = delete;

  void* data() const { return ptr_; }
  size_t size() const { return bytes_; }
  int device() const { return device_; }
  void reset();

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
  int device_ = 0;
};

}  // namespace hipserve::gpu
