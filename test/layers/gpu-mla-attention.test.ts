import { describe } from 'vitest';

import { hostGpuAddon } from '../models/gpu/host-gpu-addon.js';
import { gpuMlaAttentionSuite } from './gpu-mla-attention-suite.js';

// The module's wiring (projections, views with strides and offsets, the latent cache, graphs) on the emulated
// device: the CPU kernels on f16-rounded data. The real kernels run it in test/gpu/mla_attention.test.ts.
describe('GpuMlaAttention (tiny DeepSeek-V3 fixture, emulated device, f16)', () => {
  let addon: ReturnType<typeof hostGpuAddon> | null = null;
  gpuMlaAttentionSuite(() => (addon ??= hostGpuAddon()), 'f16', 5e-3);
});
