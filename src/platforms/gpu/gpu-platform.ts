import { loadAddon } from '../../../bindings/addon.js';
import type { DType } from '../../../bindings/dtype.js';
import { loadGpuAddon, type GpuAddon } from '../../../bindings/gpu.js';
import type { ModelConfig } from '../../loader/model-config.js';
import { attentionBackendFor } from '../attention-backend.js';
import type { AttentionBackendName, KernelContext, Platform } from '../platform.js';

/** The kernel context of a GPU platform: the CPU entries (host-side work) plus the GPU addon and its device. */
export interface GpuKernelContext extends KernelContext {
  readonly gpu: GpuAddon;
  readonly device: number;
}

export function isGpuKernelContext(context: KernelContext): context is GpuKernelContext {
  return (context as Partial<GpuKernelContext>).gpu !== undefined;
}

/**
 * An AMD (rocm) or NVIDIA (cuda) GPU, served by the addon's HIP kernels built for that vendor. Models run on
 * device 0; the CPU entries stay available for host-side work.
 */
export class GpuPlatform implements Platform {
  readonly name: 'cuda' | 'rocm';

  constructor(private readonly addon: GpuAddon) {
    this.name = addon.gpu.vendor;
  }

  /** The platform for `vendor` when the addon was built for it and sees a device, else null. */
  static detect(vendor: 'cuda' | 'rocm'): GpuPlatform | null {
    const addon = loadGpuAddon();
    if (!addon || addon.gpu.vendor !== vendor || addon.gpu.deviceCount() === 0) return null;
    return new GpuPlatform(addon);
  }

  deviceCount(): number {
    return this.addon.gpu.deviceCount();
  }

  deviceMemoryBytes(device = 0): number {
    return this.addon.gpu.deviceInfo(device).totalBytes;
  }

  attentionBackend(config: ModelConfig): AttentionBackendName {
    return attentionBackendFor(config);
  }

  /** Activations and weights run in bf16 or f16; f32 checkpoints are converted to bf16 when loaded. */
  supportedDtypes(): readonly DType[] {
    return ['bf16', 'f16'];
  }

  supportedQuantizations(): readonly string[] {
    return [];
  }

  createKernelContext(): GpuKernelContext {
    const cpu = loadAddon();
    return { platform: this.name, ops: cpu.ops, opsAsync: cpu.opsAsync, gpu: this.addon, device: 0,
      dispose: () => this.addon.gpu.synchronize(0) };
  }
}
