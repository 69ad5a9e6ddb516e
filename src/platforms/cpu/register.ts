import type { Platform } from '../platform.js';
import { CpuPlatform } from './cpu-platform.js';

/** The built-in CPU platform's plugin entry (declared in hipserve's package.json): a CPU is always there. */
export function registerPlatform(): Platform {
  return new CpuPlatform();
}
