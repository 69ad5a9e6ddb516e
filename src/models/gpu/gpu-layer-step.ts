import type { GpuStepInputs } from './gpu-step-inputs.js';
import type { GpuStepViews } from './gpu-step-buffers.js';

/** What every layer of a GPU step reads: the step's device inputs and activation views. */
export interface GpuLayerStep {
  readonly inputs: GpuStepInputs;
  readonly views: GpuStepViews;
}
