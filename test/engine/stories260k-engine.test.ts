import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { nowMs } from '../../src/engine/clock.js';
import { EngineCore } from '../../src/engine/engine-core.js';
import type { EngineOptions } from '../../src/engine/engine-config.js';
import { LLMEngine } from '../../src/engine/llm-engine.js';
import type { CausalLM } from '../../src/models/forward-batch.js';
import { loadCausalLM } from '../../src/models/load-causal-lm.js';
import { resolveSamplingParams } from '../../src/sampling/sampling-params.js';
import { loadTokenizer } from '../../src/tokenizer/load-tokenizer.js';
import type { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { rng } from '../helpers/random.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HF_DIR = path.resolve(ROOT, '../shared/models/stories260K/hf');
const haveModel = existsSync(HF_DIR);
if (!haveModel) console.warn(`skipping stories260K engine tests: ${HF_DIR} is absent (it lives in ../shared beside the repo)`);

const ONCE_UPON_A_TIME = [1, 403, 407, 261, 378];
const KNOWN = ', there was a little girl named Lily. She loved to play outside in the park.';
const NUM_NEW = 40;
const BASE: EngineOptions = { maxModelLen: 256, numGpuBlocksOverride: 512, maxNumBatchedTokens: 256, maxNumSeqs: 64 };

interface Job {
  id: string;
  prompt: readonly number[];
  maxTokens?: number;
  /** Sample at temperature 0.9 with this seed instead of greedy. */
  seed?: number;
}

describe.skipIf(!haveModel)('engine on stories260K: greedy output does not depend on how it was scheduled', () => {
  let model: CausalLM;
  let tokenizer: Tokenizer;
  /** The long prompt: Once upon a time + 30 generated tokens, so it spans two full 16-token blocks. */
  let longPrompt: number[];
  let aloneShort: number[];
  let aloneLong: number[];

  /** Runs jobs to completion on a fresh engine over the shared model; returns tokens per id and the engine. */
  function run(options: EngineOptions, jobs: Job[], onStep?: (engine: LLMEngine) => void): { tokens: Map<string, number[]>; engine: LLMEngine } {
    const engine = new LLMEngine(EngineCore.create(model, { ...BASE, ...options }), tokenizer);
    const tokens = new Map<string, number[]>();
    for (const j of jobs) {
      engine.addRequest({ requestId: j.id, promptTokenIds: j.prompt, arrivalTime: nowMs(),
        samplingParams: resolveSamplingParams({ temperature: j.seed === undefined ? 0 : 0.9, seed: j.seed, topP: 0.95,
          maxTokens: j.maxTokens ?? NUM_NEW, ignoreEos: true }) });
      tokens.set(j.id, []);
    }
    while (engine.hasUnfinishedRequests()) {
      for (const d of engine.step().deltas) for (const o of d.outputs) tokens.get(d.requestId)!.push(...o.tokenIds);
      onStep?.(engine);
    }
    return { tokens, engine };
  }

  const others = (n: number, seed: number): Job[] => {
    const r = rng(seed);
    return Array.from({ length: n }, (_, i) => ({ id: `other${i}`, maxTokens: 10 + Math.floor(r() * 50),
      prompt: [1, ...Array.from({ length: 1 + Math.floor(r() * 60) }, () => 3 + Math.floor(r() * 509))] }));
  };

  beforeAll(async () => {
    model = (await loadCausalLM(HF_DIR, { maxNumBatchedTokens: 256, maxModelLen: 256 })).model;
    tokenizer = loadTokenizer(HF_DIR);
    aloneShort = run({}, [{ id: 'a', prompt: ONCE_UPON_A_TIME }]).tokens.get('a')!;
    longPrompt = [...ONCE_UPON_A_TIME, ...aloneShort.slice(0, 30)];
    aloneLong = run({}, [{ id: 'a', prompt: longPrompt }]).tokens.get('a')!;
  });

  afterAll(() => model?.dispose());

  it('alone: the known TinyStories continuation', () => {
    expect(tokenizer.decode(aloneShort)).toMatch(new RegExp(`^${KNOWN.replace(/[.]/g, '\\.')}`));
  });

  it('batched with 31 others', () => {
    const { tokens } = run({}, [...others(15, 1), { id: 'target', prompt: ONCE_UPON_A_TIME }, ...others(16, 2).map((j) => ({ ...j, id: `late-${j.id}` }))]);
    expect(tokens.get('target')).toEqual(aloneShort);
  });

  it('after a prefix-cache hit', () => {
    const engine = new LLMEngine(EngineCore.create(model, BASE), tokenizer);
    const once = (id: string): number[] => {
      const out: number[] = [];
      engine.addRequest({ requestId: id, promptTokenIds: longPrompt, arrivalTime: nowMs(),
        samplingParams: resolveSamplingParams({ temperature: 0, maxTokens: NUM_NEW, ignoreEos: true }) });
      while (engine.hasUnfinishedRequests()) for (const d of engine.step().deltas) for (const o of d.outputs) out.push(...o.tokenIds);
      return out;
    };
    expect(once('first')).toEqual(aloneLong);
    let hits = 0;
    engine.addRequest({ requestId: 'second', promptTokenIds: longPrompt, arrivalTime: nowMs(),
      samplingParams: resolveSamplingParams({ temperature: 0, maxTokens: NUM_NEW, ignoreEos: true }) });
    const out: number[] = [];
    while (engine.hasUnfinishedRequests()) {
      const step = engine.step();
      hits += step.stats.prefixCache.hits;
      for (const d of step.deltas) for (const o of d.outputs) out.push(...o.tokenIds);
    }
    expect(hits).toBe(32);
    expect(out).toEqual(aloneLong);
  });

  it('after being preempted', () => {
    // 12 usable blocks of 16 tokens: four requests growing to 75 tokens (5 blocks) each cannot all stay.
    let preemptions = 0;
    const { tokens } = run({ numGpuBlocksOverride: 13, maxModelLen: 80 },
      [...others(3, 3).map((j) => ({ ...j, maxTokens: 40, prompt: j.prompt.slice(0, 35) })), { id: 'target', prompt: longPrompt }],
      (engine) => (preemptions = Math.max(preemptions, engine.core.scheduler.getRequest('target')?.numPreemptions ?? 0)));
    expect(preemptions).toBeGreaterThan(0);
    expect(tokens.get('target')).toEqual(aloneLong);
  });

  it('a seeded sampled request gives the same tokens alone and in a batch of 32', () => {
    const job = { id: 'seeded', prompt: ONCE_UPON_A_TIME, seed: 1234 };
    const alone = run({}, [job]).tokens.get('seeded')!;
    const batched = run({}, [...others(20, 5), job, ...others(11, 6).map((j) => ({ ...j, id: `b-${j.id}`, seed: 7 }))]).tokens;
    expect(batched.get('seeded')).toEqual(alone);
    expect(alone).not.toEqual(aloneShort);
  });

  for (const chunk of [1, 7, 64]) {
    it(`with prefill chunks of ${chunk} tokens`, () => {
      const { tokens } = run({ longPrefillTokenThreshold: chunk }, [{ id: 'target', prompt: longPrompt }, ...others(3, 4)]);
      expect(tokens.get('target')).toEqual(aloneLong);
    });
  }
});
