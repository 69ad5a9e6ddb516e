import { HipserveError } from '../errors.js';
import type { ModelConfig } from '../loader/model-config.js';
import type { WeightSource } from '../loader/weights.js';
import type { KernelContext, Platform } from '../platforms/platform.js';
import type { CausalLMOptions } from './causal-lm-options.js';
import type { CausalLM } from './forward-batch.js';

/** Everything a model implementation is built from. */
export interface ModelBuildContext {
  readonly config: ModelConfig;
  readonly weights: WeightSource;
  readonly platform: Platform;
  readonly kernels: KernelContext;
  readonly options: CausalLMOptions;
}

export type CausalLMFactory = (context: ModelBuildContext) => CausalLM | Promise<CausalLM>;

/** Hugging Face architecture name (config.architectures[0]) → the factory building that model. */
export class ModelRegistry {
  private readonly factories = new Map<string, CausalLMFactory>();

  /** Adds an architecture, or replaces its factory (how a general plugin overrides a built-in model). */
  register(architecture: string, factory: CausalLMFactory): void {
    this.factories.set(architecture, factory);
  }

  has(architecture: string): boolean {
    return this.factories.has(architecture);
  }

  architectures(): string[] {
    return [...this.factories.keys()].sort();
  }

  /** Throws `unsupported` naming the architectures it knows when `architecture` is not one of them. */
  resolve(architecture: string): CausalLMFactory {
    const factory = this.factories.get(architecture);
    if (!factory) {
      throw new HipserveError('unsupported',
        `model architecture ${architecture} is not supported (supported: ${this.architectures().join(', ')})`);
    }
    return factory;
  }
}
