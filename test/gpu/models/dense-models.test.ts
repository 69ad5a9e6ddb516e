import { describe } from 'vitest';

import { noGpu } from '../helpers/gpu.js';
import { noReferences, referenceCases, referenceTests } from './gpu-reference.js';

describe.skipIf(noGpu || noReferences)('dense models on the GPU match transformers (bf16, teacher-forced)', () => {
  // The Llama-3-8B-shaped model has no reference (it serves only the decode benchmark).
  referenceTests(referenceCases(false));
});
