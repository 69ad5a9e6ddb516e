// What the kernels ask of the hardware instead of asking for a vendor: wave size, compute units, shared
// memory, matrix cores.
//
// HS_WAVE_SIZE is the wave size of the code being compiled, for device code (reductions, lane maps,
// __launch_bounds__): 64 on CDNA (gfx90a, gfx942, gfx950), 32 on NVIDIA. Host code choosing a launch shape asks
// the device instead: device_caps(device).wave_size. Never write 32.
#pragma once
#include <array>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "platform/gpu.h"
#include "platform/gpu_check.h"

#if defined(HS_GPU_CUDA)
#define HS_WAVE_SIZE 32
#elif defined(__AMDGCN_WAVEFRONT_SIZE)
#define HS_WAVE_SIZE __AMDGCN_WAVEFRONT_SIZE
#else
#define HS_WAVE_SIZE 64  // the host pass of an AMD build: CDNA's wave, matching its device passes
#endif

namespace hipserve::gpu {

constexpr int kMinWaveSize = 32;
constexpr int kMaxBlockThreads = 1024;
// Enough per-wave slots for a block of any size on any device.
constexpr int kMaxWavesPerBlock = kMaxBlockThreads / kMinWaveSize;

struct DeviceCaps {
  char name[256];
  char arch[64];  // "gfx942", "sm_90"
  int wave_size;
  int compute_units;  // CUs on AMD, SMs on NVIDIA
  int max_shared_per_block;
  bool matrix_cores;  // MFMA (CDNA) or tensor cores (sm_70 and later)
};

namespace detail {

inline DeviceCaps query_caps(int device) {
  hipDeviceProp_t prop;
  HS_GPU_CHECK(hipGetDeviceProperties(&prop, device));
  DeviceCaps caps{};
  std::snprintf(caps.name, sizeof caps.name, "%s", prop.name);
#if defined(HS_GPU_CUDA)
  std::snprintf(caps.arch, sizeof caps.arch, "sm_%d%d", prop.major, prop.minor);
  caps.matrix_cores = prop.major >= 7;
#else
  std::snprintf(caps.arch, sizeof caps.arch, "%s", prop.gcnArchName);
  if (char* colon = std::strchr(caps.arch, ':')) *colon = '\0';  // "gfx942:sramecc+:xnack-"
  caps.matrix_cores = std::strncmp(caps.arch, "gfx90a", 6) == 0 || std::strncmp(caps.arch, "gfx94", 5) == 0 ||
                      std::strncmp(caps.arch, "gfx95", 5) == 0 || std::strncmp(caps.arch, "gfx908", 6) == 0;
#endif
  caps.wave_size = prop.warpSize;
  caps.compute_units = prop.multiProcessorCount;
  caps.max_shared_per_block = static_cast<int>(prop.sharedMemPerBlock);
  return caps;
}

}  // namespace detail

constexpr int kMaxDevices = 64;

// Queried once per device, then cached (the properties never change while the process runs).
inline const DeviceCaps& device_caps(int device) {
  static std::array<DeviceCaps, kMaxDevices> caps;
  static std::array<std::once_flag, kMaxDevices> once;
  if (device < 0 || device >= kMaxDevices)
    throw Error(ErrorCode::invalid_argument, "device index " + std::to_string(device) + " is out of range");
  std::call_once(once[device], [device] { caps[device] = detail::query_caps(device); });
  return caps[device];
}

}  // namespace hipserve::gpu
