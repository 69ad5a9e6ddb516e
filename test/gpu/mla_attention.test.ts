import { describe } from 'vitest';

import { gpuMlaAttentionSuite } from '../layers/gpu-mla-attention-suite.js';
import { gpuAddon, noGpu } from './helpers/gpu.js';
import { noReferences, referenceModels } from './models/gpu-reference.js';

describe.skipIf(noGpu)('GpuMlaAttention (tiny DeepSeek-V3 fixture, bf16 on the device)', () => {
  gpuMlaAttentionSuite(gpuAddon, 'bf16', 2e-2);
});

// The GPU reference model's widths (test/gpu/models/make_gpu_references.py: 8 heads, L 128, R 64, q LoRA 96).
const reference = noReferences ? undefined : referenceModels()['deepseek_v3'];
describe.skipIf(noGpu || !reference)('GpuMlaAttention (the GPU reference DeepSeek-V3, bf16 on the device)', () => {
  gpuMlaAttentionSuite(gpuAddon, 'bf16', 2e-2, reference);
});
