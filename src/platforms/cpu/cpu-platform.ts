import { totalmem } from 'node:os';

import { loadAddon } from '../../../bindings/addon.js';
import type { DType } from '../../../bindings/dtype.js';
import type { ModelConfig } from '../../loader/model-config.js';
import { attentionBackendFor } from '../attention-backend.js';
import type { AttentionBackendName, KernelContext, Platform } from '../platform.js';

/** Any x86-64/arm64 CPU: one device whose memory is the host's. */
export class CpuPlatform implements Platform {
  readonly name = 'cpu';

  deviceCount(): number {
    return 1;
  }

  deviceMemoryBytes(): number {
    return totalmem();
  }

  attentionBackend(config: ModelConfig): AttentionBackendName {
    return attentionBackendFor(config);
  }

  supportedDtypes(): readonly DType[] {
    return ['f32', 'f16', 'bf16'];
  }

  supportedQuantizations(): readonly string[] {
    return [];
  }

  createKernelContext(): KernelContext {
    const addon = loadAddon();
    return { platform: this.name, ops: addon.ops, opsAsync: addon.opsAsync, dispose: () => {} };
  }
}
