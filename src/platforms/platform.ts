import type { NativeAddon, NativeOps } from '../../bindings/addon.js';
import type { DType } from '../../bindings/dtype.js';
import type { ModelConfig } from '../loader/model-config.js';

/** `mla` serves DeepSeek-V3-style latent attention; `mha` every other model (MHA, GQA, MQA). */
export type AttentionBackendName = 'mha' | 'mla';

/** What a platform's kernels run with: the entries to call and whatever device state they need. */
export interface KernelContext {
  readonly platform: string;
  readonly ops: NativeOps;
  readonly opsAsync: NativeAddon['opsAsync'];
  dispose(): void;
}

/** A hardware target, answered by a platform plugin (built-in or installed). */
export interface Platform {
  /** The plugin's name: cpu, rocm, cuda, or an installed plugin's own. */
  readonly name: string;
  deviceCount(): number;
  /** Total memory of one device, in bytes. */
  deviceMemoryBytes(device?: number): number;
  attentionBackend(config: ModelConfig): AttentionBackendName;
  /** Weight dtypes the linear kernels take directly. */
  supportedDtypes(): readonly DType[];
  /** Quantization formats the kernels take (empty: none). */
  supportedQuantizations(): readonly string[];
  createKernelContext(): KernelContext;
}

/** True when `value` has the shape of a Platform (what a plugin returned). */
export function isPlatform(value: unknown): value is Platform {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return typeof p.name === 'string' &&
    ['deviceCount', 'deviceMemoryBytes', 'attentionBackend', 'supportedDtypes', 'supportedQuantizations',
      'createKernelContext'].every((k) => typeof p[k] === 'function');
}
