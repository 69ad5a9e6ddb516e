import type { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { ModelConfig } from '../../loader/model-config.js';
import { buildCosSinCache } from '../rotary/cos-sin-cache.js';
import type { DeviceWeights } from './device-weights.js';

/**
 * MLA's RoPE table on the device, shared by every layer: [maxPositions, qk_rope_head_dim] f32, yarn's attention
 * factor folded in as for the CPU's MlaRotary. rope_interleave (DeepSeek-V3's default) pairs dims (2i, 2i+1).
 */
export class GpuMlaRotary {
  readonly cosSin: DeviceTensor;
  readonly isNeox: boolean;

  constructor(weights: DeviceWeights, config: ModelConfig, ropeDim: number, maxPositions: number) {
    const data = buildCosSinCache({ ...config, headDim: ropeDim, partialRotaryFactor: 1 }, maxPositions);
    this.cosSin = weights.f32(data, [maxPositions, ropeDim]);
    this.isNeox = config.raw.rope_interleave === false;
  }
}
