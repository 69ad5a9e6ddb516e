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
//
// Graph pools. A graph (runtime/graph.h) bakes the pointers it recorded into its launches, so while a capture is
// active on (device, stream) the allocator serves that stream from a pool private to the graph: its blocks are
// never handed to other allocations, and blocks released on that stream during the capture join it too (later
// allocations in the same capture may reuse them: a capture is one stream). The graph keeps its pool until it is
// released (the graph's dispose); then its blocks join the general cache. Nothing is returned to the driver while
// any capture is active (hipFree synchronizes, which a capture forbids).
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "platform/gpu.h"

namespace hipserve::gpu {

struct AllocatorStats {
  size_t allocated_bytes = 0;       // handed out and not yet released (rounded sizes)
  size_t reserved_bytes = 0;        // held from the driver: allocated plus cached
  size_t peak_allocated_bytes = 0;
  uint64_t device_mallocs = 0;      // calls that reached hipMalloc
  uint64_t cache_hits = 0;          // allocations served from the cache
  size_t graph_pool_bytes = 0;      // held by graph pools, in use or cached (part of reserved_bytes)
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

  // Starts serving (device, stream) from a new graph pool and returns its id; throws Error(invalid_argument)
  // when a capture is already active there.
  uint64_t begin_capture(int device, hipStream_t stream);
  // Allocations on (device, stream) come from the general cache again; the pool stays the graph's.
  void end_capture(int device, hipStream_t stream);
  // The graph is gone: the pool's blocks (cached now, or when released later) join the general cache.
  void release_pool(uint64_t pool);

  static size_t round_size(size_t bytes);

 private:
  static constexpr uint64_t kGeneral = 0;  // pool id of blocks outside any graph pool
  struct Block {
    void* ptr;
    size_t size;
    int device;
    hipStream_t stream;
    uint64_t pool;
  };
  using PoolKey = std::tuple<int, hipStream_t, size_t>;  // ordered by size within (device, stream)
  using Cache = std::multimap<PoolKey, Block>;
  struct GraphPool {
    int device;
    size_t bytes = 0;  // of every block whose pool this is
    Cache cached;
  };

  // Callers hold mu_.
  uint64_t capturing_pool(int device, hipStream_t stream) const;  // kGeneral when no capture is active there
  Cache& cache_of(uint64_t pool);
  void* take_cached(Cache& cache, int device, hipStream_t stream, size_t size);
  void move_to_pool(Block& block, uint64_t pool);
  void* device_malloc(int device, size_t size);
  void free_cached(int device);

  mutable std::mutex mu_;
  std::unordered_map<void*, Block> live_;
  Cache pool_;  // the general cache
  std::map<int, AllocatorStats> stats_;
  std::unordered_map<uint64_t, GraphPool> graph_pools_;
  std::map<std::pair<int, hipStream_t>, uint64_t> capturing_;
  uint64_t next_pool_ = 1;
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
