#include "hip/embedding.h"

#include "gpu/device_call.h"
#include "gpu/device_tensor.h"

namespace hipserve::bind {

static PreparedCall prepare_gpu_embedding(Args& a) {
  TensorView ids = device_tensor(a, 0, "ids"), table = device_tensor(a, 1, "table");
  TensorView out = device_tensor(a, 2, "out");
  return device_call(table.device_index, [=](hipStream_t s) { gpu::embedding(ids, table, out, s); });
}
HS_BINDING(gpuEmbedding, prepare_gpu_embedding);

}  // namespace hipserve::bind
