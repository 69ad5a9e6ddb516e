import { describe } from 'vitest';

import { noGpu } from '../helpers/gpu.js';
import { noReferences, referenceCases, referenceTests } from './gpu-reference.js';

/**
 * Qwen3-MoE, Mixtral, GLM-4.5 and gpt-oss (bf16 experts) against transformers, by the dense models' rule: a bf16
 * rounding may flip an expert choice whose router margin is that small, which moves the logits; only positions
 * whose top-2 margin exceeds twice the measured noise are compared.
 */
describe.skipIf(noGpu || noReferences)('MoE models on the GPU match transformers (bf16, teacher-forced)', () => {
  referenceTests(referenceCases(true));
});
