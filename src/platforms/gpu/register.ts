import type { Platform } from '../platform.js';
import { GpuPlatform } from './gpu-platform.js';

/** The built-in rocm platform's plugin entry: active when the addon has a ROCm backend and sees an AMD GPU. */
export function registerRocm(): Platform | null {
  return GpuPlatform.detect('rocm');
}

/** The built-in cuda platform's plugin entry: active when the addon has a CUDA backend and sees an NVIDIA GPU. */
export function registerCuda(): Platform | null {
  return GpuPlatform.detect('cuda');
}
