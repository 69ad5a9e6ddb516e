import { describe, expect, it } from 'vitest';

import { EngineCore } from '../../src/engine/engine-core.js';
import type { EngineOptions } from '../../src/engine/engine-config.js';
import { FakeCausalLM } from '../../src/engine/fake-causal-lm.js';
import { resolveSamplingParams } from '../../src/sampling/sampling-params.js';

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => (from + i) % 50);

function engine(options: EngineOptions): EngineCore {
  return EngineCore.create(new FakeCausalLM({ vocabSize: 50 }), { blockSize: 4, maxModelLen: 64, ...options });
}

let clock = 0;
function add(core: EngineCore, id: string, prompt: number[], maxTokens = 8, priority = 0): void {
  core.addRequest({ requestId: id, promptTokenIds: prompt, arrivalTime: ++clock, priority,
    samplingParams: resolveSamplingParams({ temperature: 0, maxTokens, ignoreEos: true }) });
}

/** schedule → execute → update, returning what was scheduled as id:tokens. */
function step(core: EngineCore): { shares: string[]; preempted: readonly string[] } {
  const out = core.scheduler.schedule();
  core.scheduler.update(out, core.runner.execute(out));
  return { shares: out.scheduled.map((s) => `${s.request.requestId}:${s.numScheduledTokens}`), preempted: out.preemptedRequestIds };
}

describe('Scheduler', () => {
  it('mixes decodes and a chunked prefill in one step within the token budget', () => {
    const core = engine({ maxNumBatchedTokens: 10, numGpuBlocksOverride: 64 });
    add(core, 'a', range(6));
    expect(step(core).shares).toEqual(['a:6']);
    add(core, 'b', range(20, 10));
    expect(step(core).shares).toEqual(['a:1', 'b:9']);
    expect(step(core).shares).toEqual(['a:1', 'b:9']);
    expect(step(core).shares).toEqual(['a:1', 'b:2']);
    expect(step(core).shares).toEqual(['a:1', 'b:1']);
  });

  it('caps running requests at max_num_seqs and admits the rest first come, first served', () => {
    const core = engine({ maxNumSeqs: 2, numGpuBlocksOverride: 64 });
    add(core, 'a', range(3), 1);
    add(core, 'b', range(3, 5), 2);
    add(core, 'c', range(3, 9), 1);
    expect(step(core).shares).toEqual(['a:3', 'b:3']);
    expect(step(core).shares).toEqual(['b:1', 'c:3']);
  });

  it('orders by priority under the priority policy, and by arrival under FCFS', () => {
    const prio = engine({ maxNumSeqs: 1, numGpuBlocksOverride: 64, policy: 'priority' });
    add(prio, 'low', range(3), 1, 5);
    add(prio, 'high', range(3, 7), 1, 0);
    expect(step(prio).shares).toEqual(['high:3']);
    const fcfs = engine({ maxNumSeqs: 1, numGpuBlocksOverride: 64 });
    add(fcfs, 'first', range(3), 1, 5);
    add(fcfs, 'second', range(3, 7), 1, 0);
    expect(step(fcfs).shares).toEqual(['first:3']);
  });

  it('preempts the newest running request when blocks run out and readmits it before later arrivals', () => {
    // 5 usable blocks of 4 tokens: a holds 3 and b 2; when a needs a fourth block, b (the newest) is preempted.
    const core = engine({ numGpuBlocksOverride: 6, maxModelLen: 20, enablePrefixCaching: false });
    add(core, 'a', range(12), 4);
    add(core, 'b', range(5, 20), 6);
    expect(step(core).shares).toEqual(['a:12', 'b:5']);
    add(core, 'c', range(3, 30), 1);
    const s = step(core);
    expect(s.preempted).toEqual(['b']);
    expect(s.shares).toEqual(['a:1']);
    expect(core.scheduler.getRequest('b')!.numPreemptions).toBe(1);
    while (core.scheduler.getRequest('a')) expect(step(core).shares).toEqual(['a:1']);
    // b (arrived before c) comes back first, recomputing its prompt and the token it had generated.
    expect(step(core).shares).toEqual(['b:6', 'c:3']);
  });

  it('frees everything on abort, wherever the request is', () => {
    const core = engine({ maxNumBatchedTokens: 4, numGpuBlocksOverride: 64 });
    add(core, 'running', range(10));
    add(core, 'waiting', range(10, 3));
    step(core);
    expect(core.finishRequests(['running', 'waiting', 'unknown'], 'abort').map((o) => o.requestId)).toEqual(['running', 'waiting']);
    expect(core.hasUnfinishedRequests()).toBe(false);
    expect(core.scheduler.kvCacheManager.numFreeBlocks).toBe(63);
    expect(core.scheduler.schedule().finishedRequestIds).toEqual(['running', 'waiting']);
  });

  it('rejects prompts that leave no room for output and duplicate ids', () => {
    const core = engine({ numGpuBlocksOverride: 64 });
    expect(() => add(core, 'long', range(64))).toThrow(expect.objectContaining({ code: 'context_length_exceeded' }));
    add(core, 'x', range(3));
    expect(() => add(core, 'x', range(3))).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'request_id' }));
  });

  it('starts a request at its cached prefix and reports the hit', () => {
    const core = engine({ numGpuBlocksOverride: 64 });
    add(core, 'a', range(10), 1);
    step(core);
    add(core, 'b', [...range(10), 1], 1);
    expect(step(core).shares).toEqual(['b:3']);
    expect(core.scheduler.stats().prefixCache).toEqual({ requests: 2, queries: 21, hits: 8 });
  });
});
