// First, before anything includes platform/gpu.h: it maps the BLAS names only for a file that asks.
#define HS_GPU_BLASLT 1
#include "runtime/blas.h"
#include "runtime/blas_library.h"
#include "runtime/blas_tuning.h"
#include "runtime/env.h"

#include <array>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <tuple>
#include <vector>

#include "hip/checks.h"
#include "platform/arch.h"
#include "platform/gpu_check.h"
#include "runtime/device.h"

namespace hipserve::gpu {
namespace {

using blaslt::library;

constexpr uint64_t kWorkspaceBytes = uint64_t{32} << 20;
// Decode-sized problems (up to this many tokens) time the heuristic's first kTunedCandidates algorithms on their
// first call outside a capture; HIPSERVE_BLAS_TUNE=0 keeps the heuristic's first choice everywhere.
constexpr int64_t kTunedMaxTokens = 256;
constexpr int kTunedCandidates = 8;
constexpr int kTunedReps = 4;

bool tuning_enabled() {
  static const bool enabled = env_string("HIPSERVE_BLAS_TUNE") != "0";
  return enabled;
}

[[noreturn]] void throw_blas_error(blaslt::Status status, const char* call) {
  std::ostringstream os;
  os << call << " failed with BLAS status " << static_cast<int>(status);
  throw Error(ErrorCode::device_error, os.str());
}

#define HS_BLAS_CHECK(call)                                                          \
  do {                                                                               \
    const blaslt::Status hs_blas_status_ = (call);                                   \
    if (hs_blas_status_ != blaslt::kStatusSuccess) throw_blas_error(hs_blas_status_, #call); \
  } while (0)

// Owns one of the library's descriptors.
template <typename Handle, blaslt::Status (*blaslt::Library::*kDestroy)(Handle)>
class Descriptor {
 public:
  Descriptor() = default;
  ~Descriptor() {
    if (handle_ != nullptr) (void)(library().*kDestroy)(handle_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  Handle* out() { return &handle_; }
  Handle get() const { return handle_; }

 private:
  Handle handle_ = nullptr;
};

using MatmulDesc = Descriptor<blaslt::MatmulDesc, &blaslt::Library::matmul_desc_destroy>;
using Layout = Descriptor<blaslt::Layout, &blaslt::Library::matrix_layout_destroy>;
using Preference = Descriptor<blaslt::Preference, &blaslt::Library::matmul_preference_destroy>;

template <typename V>
void set_attribute(blaslt::MatmulDesc desc, int32_t attr, const V& value) {
  HS_BLAS_CHECK(library().matmul_desc_set_attribute(desc, attr, &value, sizeof(value)));
}

template <typename V>
void set_preference(blaslt::Preference pref, int32_t attr, const V& value) {
  HS_BLAS_CHECK(library().matmul_preference_set_attribute(pref, attr, &value, sizeof(value)));
}

int32_t blas_type(DType dtype) {
  return dtype == DType::bf16 ? blaslt::kTypeBF16 : dtype == DType::f16 ? blaslt::kTypeF16 : blaslt::kTypeF32;
}

// The largest power of two (at most 256, the library's default assumption) dividing the address.
uint32_t alignment(const void* p) {
  const auto address = reinterpret_cast<uintptr_t>(p);
  uint32_t bytes = 256;
  while (bytes > 1 && address % bytes != 0) bytes /= 2;
  return bytes;
}

// Everything the heuristic's choice depends on.
struct PlanKey {
  int64_t tokens, n, k, x_ld, w_ld, out_ld;
  DType in_dtype, out_dtype;
  bool bias;
  uint32_t x_align, w_align, out_align, bias_align;

  auto tie() const {
    return std::tie(tokens, n, k, x_ld, w_ld, out_ld, in_dtype, out_dtype, bias, x_align, w_align, out_align,
                    bias_align);
  }
  bool operator<(const PlanKey& o) const { return tie() < o.tie(); }
};

struct BlasContext {
  blaslt::Handle handle = nullptr;
  void* workspace = nullptr;
  std::mutex mu;  // guards algos
  std::map<PlanKey, blaslt::MatmulAlgo> algos;
};

std::mutex contexts_mu;
std::array<BlasContext*, kMaxDevices> contexts{};  // kept until exit, like the default streams

BlasContext* find_context(int device) {
  std::lock_guard<std::mutex> lock(contexts_mu);
  return contexts[device];
}

BlasContext& context_for(int device, hipStream_t stream) {
  if (BlasContext* ctx = find_context(device)) return *ctx;
  hipStreamCaptureStatus capture = hipStreamCaptureStatusNone;
  HS_GPU_CHECK(hipStreamIsCapturing(stream, &capture));
  HS_CHECK(capture == hipStreamCaptureStatusNone, invalid_argument,
           "matmul: the BLAS handle and workspace of device "
               << device << " cannot be made during a graph capture; call gpu::blas_init(" << device
               << ") before capturing");
  blas_init(device);
  return *find_context(device);
}

// The T×N (column-major) problem the row-major out = x · wᵀ is:
//   D[N, T] (ld out_ld) = op(A)[N, K] · B[K, T] with A = w as a K×N column-major matrix (ld w_ld), transposed,
//   B = x as a K×T column-major matrix (ld x_ld), and the bias (length N = D's rows) added by the epilogue.
struct Problem {
  MatmulDesc op;
  Layout a, b, d;
};

void describe(Problem& p, const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& out) {
  const blaslt::Library& lib = library();
  HS_BLAS_CHECK(lib.matmul_desc_create(p.op.out(), blaslt::kCompute32F, blaslt::kTypeF32));
  set_attribute(p.op.get(), blaslt::kDescTransA, blaslt::kOpT);
  set_attribute(p.op.get(), blaslt::kDescTransB, blaslt::kOpN);
  if (bias != nullptr) {
    set_attribute(p.op.get(), blaslt::kDescEpilogue, blaslt::kEpilogueBias);
    set_attribute(p.op.get(), blaslt::kDescBiasPointer, bias->data);
    set_attribute(p.op.get(), blaslt::kDescBiasDataType, blas_type(bias->dtype));
  }
  const uint64_t tokens = x.size(0), n = w.size(0), k = x.size(1);
  HS_BLAS_CHECK(lib.matrix_layout_create(p.a.out(), blas_type(w.dtype), k, n, w.stride(0)));
  HS_BLAS_CHECK(lib.matrix_layout_create(p.b.out(), blas_type(x.dtype), k, tokens, x.stride(0)));
  HS_BLAS_CHECK(lib.matrix_layout_create(p.d.out(), blas_type(out.dtype), n, tokens, out.stride(0)));
}

// HIPSERVE_BLAS_LOG=1: each timed choice to stderr (which of the heuristic's candidates, their times).
bool tuning_logged() {
  static const bool logged = env_string("HIPSERVE_BLAS_LOG") == "1";
  return logged;
}

void log_choice(const PlanKey& key, int chosen, const std::vector<float>& ms) {
  std::ostringstream line;
  line << "hipserve blas: T " << key.tokens << " N " << key.n << " K " << key.k << ": candidate " << chosen << " of "
       << ms.size() << ", us";
  for (float t : ms) line << ' ' << static_cast<int>(t * 1000.0f + 0.5f);
  std::fprintf(stderr, "%s\n", line.str().c_str());
}

// The algorithm for a problem: the heuristic's first choice, or for a decode-sized problem outside a capture the
// fastest of its first kTunedCandidates on this call's operands (run(algo) enqueues the call with it). Kept per
// key, except a first choice made during a capture, so that an eager call can still time the candidates.
blaslt::MatmulAlgo choose_algo(BlasContext& ctx, const PlanKey& key, const Problem& p, hipStream_t stream,
                               const std::function<blaslt::Status(const blaslt::MatmulAlgo&)>& run) {
  std::lock_guard<std::mutex> lock(ctx.mu);
  if (auto it = ctx.algos.find(key); it != ctx.algos.end()) return it->second;
  Preference pref;
  HS_BLAS_CHECK(library().matmul_preference_create(pref.out()));
  set_preference(pref.get(), blaslt::kPrefMaxWorkspaceBytes, kWorkspaceBytes);
  if constexpr (blaslt::kHasAlignmentPrefs) {
    set_preference(pref.get(), blaslt::kPrefMinAlignmentA, key.w_align);
    set_preference(pref.get(), blaslt::kPrefMinAlignmentB, key.x_align);
    set_preference(pref.get(), blaslt::kPrefMinAlignmentC, key.out_align);
    set_preference(pref.get(), blaslt::kPrefMinAlignmentD, key.out_align);
  }
  hipStreamCaptureStatus capture = hipStreamCaptureStatusNone;
  HS_GPU_CHECK(hipStreamIsCapturing(stream, &capture));
  const bool tune = tuning_enabled() && key.tokens <= kTunedMaxTokens && capture == hipStreamCaptureStatusNone;
  std::array<blaslt::HeuristicResult, kTunedCandidates> results{};
  int found = 0;
  const blaslt::Status status = library().matmul_algo_get_heuristic(
      ctx.handle, p.op.get(), p.a.get(), p.b.get(), p.d.get(), p.d.get(), pref.get(), tune ? kTunedCandidates : 1,
      results.data(), &found);
  HS_CHECK(status == blaslt::kStatusNotSupported || status == blaslt::kStatusSuccess, device_error,
           "matmul: the BLAS heuristic failed with status " << static_cast<int>(status));
  HS_CHECK(status == blaslt::kStatusSuccess && found > 0, unsupported,
           "matmul: the BLAS library has no kernel for T " << key.tokens << ", N " << key.n << ", K " << key.k
               << " with row strides x " << key.x_ld << ", w " << key.w_ld << ", out " << key.out_ld
               << " and alignments x " << key.x_align << ", w " << key.w_align << ", out " << key.out_align
               << " bytes (16-byte aligned rows always work)");
  if (capture != hipStreamCaptureStatusNone) return results[0].algo;
  int chosen = 0;
  if (tune && found > 1) {
    std::vector<float> ms;
    chosen = fastest_candidate(
        found, kTunedReps,
        [&](int i) {
          return results[i].state == blaslt::kStatusSuccess && run(results[i].algo) == blaslt::kStatusSuccess;
        },
        stream, &ms);
    HS_CHECK(chosen >= 0, device_error, "matmul: none of the BLAS heuristic's " << found << " algorithms ran");
    if (tuning_logged()) log_choice(key, chosen, ms);
  }
  ctx.algos.emplace(key, results[chosen].algo);
  return results[chosen].algo;
}

void check_matmul(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& out) {
  const int device = x.device_index;
  check_device_rows(x, "x", device, 2, {DType::bf16, DType::f16});
  check_device_rows(w, "w", device, 2, {x.dtype});
  check_device_rows(out, "out", device, 2, {x.dtype, DType::f32});
  check_dim(w, "w", 1, x.size(1));
  check_dim(out, "out", 0, x.size(0));
  check_dim(out, "out", 1, w.size(0));
  HS_CHECK(x.size(0) > 0 && x.size(1) > 0 && w.size(0) > 0, empty_batch,
           "matmul: T " << x.size(0) << ", N " << w.size(0) << ", K " << x.size(1) << " is empty");
  for (const auto& [t, name] : {std::pair{&x, "x"}, std::pair{&w, "w"}, std::pair{&out, "out"}})
    HS_CHECK(t->stride(0) >= t->size(1), invalid_argument,
             name << ": row stride " << t->stride(0) << " is less than the row length " << t->size(1));
  if (bias != nullptr) {
    check_device_rows(*bias, "bias", device, 1, {out.dtype});
    check_dim(*bias, "bias", 0, w.size(0));
  }
}

}  // namespace

void blas_init(int device) {
  check_device(device);
  std::lock_guard<std::mutex> lock(contexts_mu);
  if (contexts[device] != nullptr) return;
  DeviceGuard guard(device);
  const blaslt::Library& lib = library();  // unsupported when the library is missing
  auto ctx = std::make_unique<BlasContext>();
  HS_BLAS_CHECK(lib.create(&ctx->handle));
  const hipError_t err = hipMalloc(&ctx->workspace, kWorkspaceBytes);
  if (err != hipSuccess) {
    (void)lib.destroy(ctx->handle);
    throw_gpu_error(err, "hipMalloc(BLAS workspace)", __FILE__, __LINE__);
  }
  contexts[device] = ctx.release();
}

void matmul(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& out,
            hipStream_t stream) {
  check_matmul(x, w, bias, out);
  const int device = x.device_index;
  DeviceGuard guard(device);
  BlasContext& ctx = context_for(device, stream);
  Problem p;
  describe(p, x, w, bias, out);
  const PlanKey key{x.size(0),      w.size(0),        x.size(1),        x.stride(0),
                    w.stride(0),    out.stride(0),    x.dtype,          out.dtype,
                    bias != nullptr, alignment(x.data), alignment(w.data), alignment(out.data),
                    bias != nullptr ? alignment(bias->data) : 256u};
  const float alpha = 1.0f, beta = 0.0f;
  auto run = [&](const blaslt::MatmulAlgo& algo) {
    return library().matmul(ctx.handle, p.op.get(), &alpha, w.data, p.a.get(), x.data, p.b.get(), &beta, out.data,
                            p.d.get(), out.data, p.d.get(), &algo, ctx.workspace, kWorkspaceBytes, stream);
  };
  HS_BLAS_CHECK(run(choose_algo(ctx, key, p, stream, run)));
}

}  // namespace hipserve::gpu
