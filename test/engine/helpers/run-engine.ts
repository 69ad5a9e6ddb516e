import { nowMs } from '../../../src/engine/clock.js';
import { EngineCore } from '../../../src/engine/engine-core.js';
import type { StepStats } from '../../../src/engine/engine-core.js';
import type { EngineOptions } from '../../../src/engine/engine-config.js';
import { FakeCausalLM } from '../../../src/engine/fake-causal-lm.js';
import { FakeTokenizer } from '../../../src/engine/fake-tokenizer.js';
import { LLMEngine } from '../../../src/engine/llm-engine.js';
import { RequestOutputAssembler } from '../../../src/engine/request-output-assembler.js';
import type { RequestOutput } from '../../../src/engine/request-output.js';
import { resolveSamplingParams, type SamplingParamsInit } from '../../../src/sampling/sampling-params.js';

export const VOCAB = 40;
export const EOS = 3;

export function fakeEngine(options: EngineOptions = {}): LLMEngine {
  const core = EngineCore.create(new FakeCausalLM({ vocabSize: VOCAB, eosTokenId: EOS }),
    { blockSize: 4, maxModelLen: 128, numGpuBlocksOverride: 200, ...options });
  return new LLMEngine(core, new FakeTokenizer(VOCAB, EOS));
}

let counter = 0;

/** Adds requests, steps until all finish, returns each request's outputs in order. */
export function runAll(engine: LLMEngine, requests: { prompt: number[]; params: SamplingParamsInit; id?: string }[],
  stats?: StepStats[]): Map<string, RequestOutput[]> {
  const assemblers = new Map<string, RequestOutputAssembler>();
  const results = new Map<string, RequestOutput[]>();
  for (const r of requests) {
    const requestId = r.id ?? `q${counter++}`;
    engine.addRequest({ requestId, promptTokenIds: r.prompt, samplingParams: resolveSamplingParams(r.params, { vocabSize: VOCAB }),
      arrivalTime: nowMs() });
    assemblers.set(requestId, new RequestOutputAssembler(r.prompt));
    results.set(requestId, []);
  }
  while (engine.hasUnfinishedRequests()) {
    const step = engine.step();
    stats?.push(step.stats);
    for (const d of step.deltas) results.get(d.requestId)!.push(assemblers.get(d.requestId)!.assemble(d));
  }
  return results;
}

/** Concatenated text, token ids and finish data of choice `index` across a request's outputs. */
export function choice(outputs: readonly RequestOutput[], index = 0): {
  text: string; tokenIds: number[]; finishReason: string | null; stopReason: string | number | null;
} {
  const mine = outputs.flatMap((o) => o.outputs.filter((c) => c.index === index));
  const last = mine.at(-1);
  return { text: mine.map((c) => c.text).join(''), tokenIds: mine.flatMap((c) => [...c.tokenIds]),
    finishReason: last?.finishReason ?? null, stopReason: last?.stopReason ?? null };
}
