import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { nowMs } from '../../src/engine/clock.js';
import { EngineCore } from '../../src/engine/engine-core.js';
import { FakeCausalLM } from '../../src/engine/fake-causal-lm.js';
import { FULL_ATTENTION } from '../../src/kvcache/kv-cache-spec.js';
import type { FinishReason } from '../../src/engine/request.js';
import { resolveSamplingParams } from '../../src/sampling/sampling-params.js';
import { rng } from '../helpers/random.js';
import { referenceGreedy } from './helpers/fake-reference.js';
import { checkInvariants } from './helpers/kv-invariants.js';

const VOCAB = 32;
const EOS = 3;
const MAX_MODEL_LEN = 48;
const r = rng(7);
const PREFIXES = Array.from({ length: 3 }, () => Array.from({ length: 40 }, () => Math.floor(r() * VOCAB)));

const configArb = fc.record({
  blockSize: fc.constantFrom(1, 2, 4, 16),
  spareBlocks: fc.integer({ min: 1, max: 24 }),
  maxNumBatchedTokens: fc.integer({ min: 1, max: 64 }),
  maxNumSeqs: fc.integer({ min: 1, max: 8 }),
  enablePrefixCaching: fc.boolean(),
  longPrefillTokenThreshold: fc.constantFrom(0, 0, 1, 5, 16),
  policy: fc.constantFrom('fcfs' as const, 'priority' as const),
  /** > 0: a second KV-cache group with this sliding window, accounted beside the full-attention one. */
  slidingWindow: fc.constantFrom(0, 0, 1, 5, 17),
});

const actionArb = fc.oneof(
  fc.record({
    kind: fc.constant('add' as const),
    prefix: fc.integer({ min: 0, max: 2 }),
    prefixLen: fc.integer({ min: 0, max: 40 }),
    suffix: fc.array(fc.integer({ min: 0, max: VOCAB - 1 }), { maxLength: 12 }),
    maxTokens: fc.integer({ min: 1, max: 24 }),
    priority: fc.integer({ min: 0, max: 2 }),
    ignoreEos: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('step' as const), count: fc.integer({ min: 1, max: 4 }) }),
);

interface Tracked {
  prompt: number[];
  maxTokens: number;
  ignoreEos: boolean;
  tokens: number[];
  finish: FinishReason | null;
}

describe('scheduler under random workloads with tight block budgets', () => {
  it('keeps block accounting exact and budgets honoured, and every greedy output matches the uncached reference', () => {
    let preemptions = 0, cacheHits = 0, windowReleases = 0;
    fc.assert(fc.property(configArb, fc.array(actionArb, { minLength: 1, maxLength: 60 }), (cfg, actions) => {
      const model = new FakeCausalLM({ vocabSize: VOCAB, eosTokenId: EOS });
      const groups = cfg.slidingWindow > 0 ? [FULL_ATTENTION, { type: 'sliding_window' as const, slidingWindow: cfg.slidingWindow }] : undefined;
      const core = EngineCore.create(model, {
        ...cfg,
        maxModelLen: MAX_MODEL_LEN,
        numGpuBlocksOverride: (groups ? 2 : 1) * Math.ceil(MAX_MODEL_LEN / cfg.blockSize) + cfg.spareBlocks,
      }, { kvCacheGroups: groups });
      const { scheduler, runner } = core;
      const tracked = new Map<string, Tracked>();
      let nextId = 0;

      const step = (): void => {
        const out = scheduler.schedule();
        checkInvariants(scheduler, out);
        preemptions += out.preemptedRequestIds.length;
        for (const s of out.scheduled) {
          if (s.isNew && s.numComputedTokens > 0) cacheHits++;
          if (s.blockIds[1]?.includes(0)) windowReleases++;
          expect(s.numComputedTokens + s.numScheduledTokens).toBeLessThanOrEqual(s.request.numTokens);
        }
        for (const o of scheduler.update(out, runner.execute(out))) {
          const t = tracked.get(o.requestId)!;
          t.tokens.push(...o.newTokenIds);
          if (o.finishReason) t.finish = o.finishReason;
        }
        checkInvariants(scheduler, null);
      };

      for (const a of actions) {
        if (a.kind === 'add') {
          const prompt = [...PREFIXES[a.prefix]!.slice(0, a.prefixLen), ...a.suffix];
          if (prompt.length === 0 || prompt.length >= MAX_MODEL_LEN) continue;
          const requestId = `r${nextId++}`;
          core.addRequest({
            requestId, promptTokenIds: prompt, arrivalTime: nowMs(), priority: a.priority,
            samplingParams: resolveSamplingParams({ temperature: 0, maxTokens: a.maxTokens, ignoreEos: a.ignoreEos }),
          });
          tracked.set(requestId, { prompt, maxTokens: a.maxTokens, ignoreEos: a.ignoreEos, tokens: [], finish: null });
        } else if (a.kind === 'abort') {
          const live = [...tracked].filter(([, t]) => t.finish === null);
          if (live.length === 0) continue;
          const [id, t] = live[a.pick % live.length]!;
          for (const o of core.finishRequests([id], 'abort')) expect(o.finishReason).toBe('abort');
          t.finish = 'abort';
          checkInvariants(scheduler, null);
        } else {
          for (let i = 0; i < a.count; i++) step();
        }
      }
      // Drain: with every request bounded by max_model_len, all finish (nobody starves).
      const bound = 10 * MAX_MODEL_LEN * (tracked.size + 1);
      for (let i = 0; core.hasUnfinishedRequests(); i++) {
        expect(i).toBeLessThan(bound);
        step();
      }
      expect(scheduler.kvCacheManager.numFreeBlocks).toBe(scheduler.kvCacheManager.pool.numUsableBlocks);

      for (const [id, t] of tracked) {
        if (t.finish === 'abort') continue;
        const maxTokens = Math.min(t.maxTokens, MAX_MODEL_LEN - t.prompt.length);
        const expected = referenceGreedy(t.prompt, maxTokens, VOCAB, t.ignoreEos ? null : EOS);
        expect(t.tokens, id).toEqual(expected);
        expect(t.finish, id).toBe(expected.at(-1) === EOS && !t.ignoreEos ? 'stop' : 'length');
      }
    }), { numRuns: 300 });
    expect(preemptions).toBeGreaterThan(0);
    expect(cacheHits).toBeGreaterThan(0);
    expect(windowReleases).toBeGreaterThan(0);
  });
});
