import type { EngineModel } from './engine-model.js';
import { FakeCausalLM, type FakeModelOptions } from './fake-causal-lm.js';
import { FakeTokenizer } from './fake-tokenizer.js';

/** Model factory (see ModelFactorySpec) serving the fake model with its fake tokenizer: for tests and benchmarks. */
export function createEngineModel(options: FakeModelOptions = {}): EngineModel {
  const model = new FakeCausalLM(options);
  return { model, tokenizer: new FakeTokenizer(model.config.vocabSize, options.eosTokenId ?? null) };
}
