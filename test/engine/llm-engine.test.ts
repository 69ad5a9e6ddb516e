import { describe, expect, it } from 'vitest';

import { nowMs } from '../../src/engine/clock.js';
import type { StepStats } from '../../src/engine/engine-core.js';
import { fakeKv, fakeLogits } from '../../src/engine/fake-causal-lm.js';
import { FakeTokenizer } from '../../src/engine/fake-tokenizer.js';
import { resolveSamplingParams } from '../../src/sampling/sampling-params.js';
import { choice, EOS, fakeEngine, runAll, VOCAB } from './helpers/run-engine.js';
import { referenceGreedy } from './helpers/fake-reference.js';

const PROMPT = [5, 9, 14, 22, 7, 30, 11];
/** The fake tokenizer's text: BOS (0) and EOS are special and skipped. */
const text = (ids: number[]): string => ids.filter((id) => id !== EOS && id !== 0).map((id) => FakeTokenizer.piece(id)).join('');

/** log_softmax of the fake model's logits after `context`, in float64. */
function referenceLogprobs(context: number[]): number[] {
  let kv = 0;
  context.forEach((t, p) => (kv = fakeKv(kv, t, p)));
  const logits = new Float32Array(VOCAB);
  fakeLogits(kv, logits);
  const max = Math.max(...logits);
  const lse = max + Math.log(Array.from(logits).reduce((a, l) => a + Math.exp(l - max), 0));
  return Array.from(logits, (l) => l - lse);
}

describe('LLMEngine with the fake model', () => {
  const greedy = referenceGreedy(PROMPT, 40, VOCAB, null);

  it('streams the detokenized greedy continuation and ends at max_tokens', () => {
    const out = runAll(fakeEngine(), [{ id: 'a', prompt: PROMPT, params: { temperature: 0, maxTokens: 12, ignoreEos: true } }]).get('a')!;
    const c = choice(out);
    expect(c.tokenIds).toEqual(greedy.slice(0, 12));
    expect(c.text).toBe(text(greedy.slice(0, 12)));
    expect(c.finishReason).toBe('length');
    expect(out.at(-1)!.finished).toBe(true);
    expect(out.at(-1)!.outputs[0]!.cumulativeTokenIds).toEqual(greedy.slice(0, 12));
    const m = out.at(-1)!.metrics;
    expect(m.arrivalTime).toBeLessThanOrEqual(m.firstScheduledTime!);
    expect(m.firstScheduledTime!).toBeLessThanOrEqual(m.firstTokenTime!);
    expect(m.firstTokenTime!).toBeLessThanOrEqual(m.finishedTime!);
  });

  it('stops at a stop string, holds back partial matches and frees the request at once', () => {
    const full = text(greedy.slice(0, 30));
    const stop = full.slice(10, 14);
    const at = full.indexOf(stop);
    const engine = fakeEngine();
    const out = runAll(engine, [{ id: 's', prompt: PROMPT, params: { temperature: 0, maxTokens: 30, ignoreEos: true, stop: [stop] } }]).get('s')!;
    const c = choice(out);
    expect(c).toMatchObject({ text: full.slice(0, at), finishReason: 'stop', stopReason: stop });
    // The tokens run up to the one that completed the stop string, no further.
    const n = c.tokenIds.length;
    expect(text(greedy.slice(0, n)).includes(stop)).toBe(true);
    expect(text(greedy.slice(0, n - 1)).includes(stop)).toBe(false);
    expect(engine.core.scheduler.kvCacheManager.numFreeBlocks).toBe(199);

    const withStop = choice(runAll(fakeEngine(), [{ prompt: PROMPT, params: { temperature: 0, maxTokens: 30, ignoreEos: true,
      stop: [stop], includeStopStrInOutput: true } }]).values().next().value!);
    expect(withStop.text).toBe(full.slice(0, at + stop.length));
  });

  it('stops at a stop token id, leaving its text out', () => {
    const stopToken = greedy[6]!;
    const first = greedy.indexOf(stopToken);
    const c = choice(runAll(fakeEngine(), [{ prompt: PROMPT, params: { temperature: 0, maxTokens: 30, ignoreEos: true,
      stopTokenIds: [stopToken] } }]).values().next().value!);
    expect(c).toMatchObject({ tokenIds: greedy.slice(0, first + 1), text: text(greedy.slice(0, first)), finishReason: 'stop',
      stopReason: stopToken });
  });

  it('ends at EOS unless ignore_eos, and not before min_tokens', () => {
    const prompt = [1, 2];
    const free = referenceGreedy(prompt, 60, VOCAB, EOS);
    expect(free.at(-1)).toBe(EOS);
    const c = choice(runAll(fakeEngine(), [{ prompt, params: { temperature: 0, maxTokens: 60 } }]).values().next().value!);
    expect(c).toMatchObject({ tokenIds: free, finishReason: 'stop', stopReason: null, text: text(free) });
    const late = choice(runAll(fakeEngine(), [{ prompt, params: { temperature: 0, maxTokens: 60, minTokens: free.length + 2 } }])
      .values().next().value!);
    expect(late.tokenIds.slice(0, free.length - 1)).toEqual(free.slice(0, -1));
    expect(late.tokenIds.slice(0, free.length + 2)).not.toContain(EOS);
  });

  it('returns logprobs of generated tokens and complete prompt logprobs', () => {
    const out = runAll(fakeEngine(), [{ id: 'l', prompt: PROMPT, params: { temperature: 0, maxTokens: 3, ignoreEos: true, logprobs: 2,
      promptLogprobs: 1 } }]).get('l')!;
    const prompt = out.find((o) => o.promptLogprobs !== null)!.promptLogprobs!;
    expect(out.filter((o) => o.promptLogprobs !== null)).toHaveLength(1);
    expect(prompt).toHaveLength(PROMPT.length);
    expect(prompt[0]).toBeNull();
    for (let i = 1; i < PROMPT.length; i++) {
      expect(prompt[i]!.token.tokenId).toBe(PROMPT[i]);
      expect(prompt[i]!.token.logprob).toBeCloseTo(referenceLogprobs(PROMPT.slice(0, i))[PROMPT[i]!]!, 4);
      expect(prompt[i]!.top).toHaveLength(1);
    }
    const gen = out.flatMap((o) => o.outputs.flatMap((c) => c.logprobs ?? []));
    expect(gen).toHaveLength(3);
    gen.forEach((lp, i) => {
      const ref = referenceLogprobs([...PROMPT, ...greedy.slice(0, i)]);
      expect(lp.token.tokenId).toBe(greedy[i]);
      expect(lp.token.rank).toBe(1);
      expect(lp.token.logprob).toBeCloseTo(Math.max(...ref), 4);
      expect(lp.top.map((t) => t.logprob)).toEqual([...lp.top.map((t) => t.logprob)].sort((a, b) => b - a));
    });
  });

  it('prompt logprobs come out once and complete, even when the prompt is chunked', () => {
    const out = runAll(fakeEngine({ maxNumBatchedTokens: 3 }), [{ id: 'c', prompt: PROMPT, params: { temperature: 0, maxTokens: 2,
      promptLogprobs: 0 } }]).get('c')!;
    const withPrompt = out.filter((o) => o.promptLogprobs !== null);
    expect(withPrompt).toHaveLength(1);
    expect(withPrompt[0]!.promptLogprobs!.slice(1).map((p) => p!.token.tokenId)).toEqual(PROMPT.slice(1));
  });

  it('runs n choices over shared prompt blocks, each as its own seed would alone', () => {
    const prompt = [...PROMPT, ...PROMPT, 4];
    const stats: StepStats[] = [];
    const out = runAll(fakeEngine(), [{ id: 'n', prompt, params: { n: 3, temperature: 1, seed: 11, maxTokens: 10, ignoreEos: true } }],
      stats).get('n')!;
    expect(out.at(-1)!.finished).toBe(true);
    // Choices 1 and 2 find the 3 full blocks (12 tokens) of the prompt choice 0 scheduled in the same step.
    expect(stats.reduce((a, s) => a + s.prefixCache.hits, 0)).toBe(2 * 12);
    for (let i = 0; i < 3; i++) {
      const alone = choice(runAll(fakeEngine(), [{ prompt, params: { temperature: 1, seed: 11 + i, maxTokens: 10, ignoreEos: true } }])
        .values().next().value!);
      expect(choice(out, i).tokenIds).toEqual(alone.tokenIds);
    }
    expect(choice(out, 0).tokenIds).not.toEqual(choice(out, 1).tokenIds);
  });

  it('computes prompt logprobs once for n choices, the other choices reading the prompt from the prefix cache', () => {
    const prompt = [...PROMPT, ...PROMPT, 4];
    const stats: StepStats[] = [];
    const out = runAll(fakeEngine(), [{ id: 'np', prompt, params: { n: 3, temperature: 0, maxTokens: 4, ignoreEos: true,
      promptLogprobs: 0 } }], stats).get('np')!;
    const withPrompt = out.filter((o) => o.promptLogprobs !== null);
    expect(withPrompt).toHaveLength(1);
    const logprobs = withPrompt[0]!.promptLogprobs!;
    expect(logprobs).toHaveLength(prompt.length);
    for (let i = 1; i < prompt.length; i++) {
      expect(logprobs[i]!.token.logprob).toBeCloseTo(referenceLogprobs(prompt.slice(0, i))[prompt[i]!]!, 4);
    }
    expect(stats.reduce((a, s) => a + s.prefixCache.hits, 0)).toBe(2 * 12);
    const greedyOfPrompt = referenceGreedy(prompt, 4, VOCAB, null);
    for (let i = 0; i < 3; i++) expect(choice(out, i).tokenIds).toEqual(greedyOfPrompt);
  });

  it('aborts a request at any moment with a final abort output and frees its blocks', () => {
    const engine = fakeEngine();
    engine.addRequest({ requestId: 'x', promptTokenIds: PROMPT, arrivalTime: nowMs(),
      samplingParams: resolveSamplingParams({ n: 2, temperature: 0, maxTokens: 50, ignoreEos: true }) });
    engine.step();
    engine.step();
    const last = engine.abort('x')!;
    expect(last.finished).toBe(true);
    expect(last.outputs.map((o) => o.finishReason)).toEqual(['abort', 'abort']);
    expect(engine.hasUnfinishedRequests()).toBe(false);
    expect(engine.core.scheduler.kvCacheManager.numFreeBlocks).toBe(199);
    expect(engine.abort('x')).toBeNull();
  });
});

