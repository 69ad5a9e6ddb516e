import { totalmem } from 'node:os';

import { describe, expect, it } from 'vitest';

import { Tensor } from '../../bindings/tensor.js';
import type { ModelConfig } from '../../src/loader/model-config.js';
import { CpuPlatform } from '../../src/platforms/cpu/cpu-platform.js';

const config = (raw: Record<string, unknown>): ModelConfig => ({ raw } as unknown as ModelConfig);

describe('CpuPlatform', () => {
  const cpu = new CpuPlatform();

  it('is one device with the host\'s memory', () => {
    expect(cpu.name).toBe('cpu');
    expect(cpu.deviceCount()).toBe(1);
    expect(cpu.deviceMemoryBytes()).toBe(totalmem());
    expect(cpu.supportedDtypes()).toEqual(expect.arrayContaining(['f32', 'f16', 'bf16']));
  });

  it('serves latent-attention (kv_lora_rank) configs with MLA and the rest with MHA', () => {
    expect(cpu.attentionBackend(config({ model_type: 'llama' }))).toBe('mha');
    expect(cpu.attentionBackend(config({ model_type: 'deepseek_v3', kv_lora_rank: 512 }))).toBe('mla');
  });

  it('builds a kernel context whose ops run', () => {
    const kernels = cpu.createKernelContext();
    const out = Tensor.f32([1, 2]);
    kernels.ops.rmsNorm(Tensor.f32([1, 2], [3, 4]), Tensor.f32([2], [1, 1]), 0, out);
    expect(out.data[0]).toBeCloseTo(3 / Math.sqrt(12.5), 6);
    kernels.dispose();
  });
});
