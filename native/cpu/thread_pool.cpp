#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace hipserve::cpu {
namespace {

thread_local bool t_in_parallel = false;

class Pool {
 public:
  ~Pool() { stop(); }

  int size() {
    std::lock_guard<std::mutex> lock(config_mu_);
    ensure_started();
    return static_cast<int>(workers_.size()) + 1;
  }

  void resize(int n) {
    std::lock_guard<std::mutex> run_lock(run_mu_);
    std::lock_guard<std::mutex> lock(config_mu_);
    stop();
    requested_ = n;
    ensure_started();
  }

  void run(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    grain = std::max<int64_t>(grain, 1);
    int threads = size();
    int64_t chunks = std::min<int64_t>(threads, (n + grain - 1) / grain);
    std::unique_lock<std::mutex> run_lock(run_mu_, std::defer_lock);
    if (chunks <= 1 || t_in_parallel || !run_lock.try_lock()) {
      fn(0, n);
      return;
    }
    job_ = &fn;
    job_n_ = n;
    job_chunks_ = chunks;
    next_chunk_.store(0);
    pending_.store(static_cast<int>(workers_.size()));
    error_ = nullptr;
    {
      std::lock_guard<std::mutex> lock(wake_mu_);
      ++generation_;
    }
    wake_cv_.notify_all();
    t_in_parallel = true;
    work();
    t_in_parallel = false;
    // Every worker checks in once per job, so none can still be claiming chunks when the next job starts.
    // Spin briefly (kernels are short), then sleep.
    for (int spin = 0; pending_.load(std::memory_order_acquire) != 0 && spin < 20000; ++spin) {
      std::this_thread::yield();
    }
    if (pending_.load(std::memory_order_acquire) != 0) {
      std::unique_lock<std::mutex> lock(done_mu_);
      done_cv_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void ensure_started() {
    if (started_) return;
    int n = requested_ > 0 ? requested_ : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    quit_ = false;
    for (int i = 1; i < n; ++i) workers_.emplace_back([this] { loop(); });
    started_ = true;
  }

  void stop() {
    if (!started_) return;
    {
      std::lock_guard<std::mutex> lock(wake_mu_);
      quit_ = true;
      ++generation_;
    }
    wake_cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    started_ = false;
  }

  void loop() {
    t_in_parallel = true;
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(wake_mu_);
        wake_cv_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (quit_) return;
      }
      work();
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(done_mu_);
        done_cv_.notify_all();
      }
    }
  }

  void work() {
    for (;;) {
      int64_t c = next_chunk_.fetch_add(1);
      if (c >= job_chunks_) return;
      int64_t begin = job_n_ * c / job_chunks_;
      int64_t end = job_n_ * (c + 1) / job_chunks_;
      try {
        (*job_)(begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> lock(done_mu_);
        if (!error_) error_ = std::current_exception();
      }
    }
  }

  std::mutex config_mu_, run_mu_, wake_mu_, done_mu_;
  std::condition_variable wake_cv_, done_cv_;
  std::vector<std::thread> workers_;
  bool started_ = false, quit_ = false;
  int requested_ = 0;
  uint64_t generation_ = 0;
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t job_n_ = 0, job_chunks_ = 0;
  std::atomic<int64_t> next_chunk_{0};
  std::atomic<int> pending_{0};
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool* p = new Pool();  // leaked on purpose: workers must outlive static destructors
  return *p;
}

}  // namespace

void set_num_threads(int n) { pool().resize(n); }
int num_threads() { return pool().size(); }
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  pool().run(n, grain, fn);
}

}  // namespace hipserve::cpu
