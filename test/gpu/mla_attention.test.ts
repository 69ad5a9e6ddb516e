import { describe } from 'vitest';

import { gpuMlaAttentionSuite } from '../layers/gpu-mla-attention-suite.js';
import { gpuAddon, noGpu } from './helpers/gpu.js';

describe.skipIf(noGpu)('GpuMlaAttention (tiny DeepSeek-V3 fixture, bf16 on the device)', () => {
  gpuMlaAttentionSuite(gpuAddon, 'bf16', 2e-2);
});
