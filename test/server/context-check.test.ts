import { describe, expect, it } from 'vitest';

import { HipserveError } from '../../src/errors.js';
import { toHttpError } from '../../src/server/errors/openai-error.js';
import { checkContext } from '../../src/server/serving/context-check.js';
import type { EngineLimits } from '../../src/server/serving/engine-port.js';

const limits: EngineLimits = {
  maxModelLen: 100, vocabSize: 32, blockSize: 16, numKvBlocks: 5, maxNumBatchedTokens: 64, maxNumSeqs: 4, enablePrefixCaching: true,
};

function statusOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HipserveError);
    return toHttpError(err).status;
  }
  return 200;
}

describe('checkContext', () => {
  it('allows what fits and returns the output tokens allowed', () => {
    expect(checkContext(10, 20, limits, 'prompt')).toBe(20);
    expect(checkContext(10, null, { ...limits, numKvBlocks: 10 }, 'prompt')).toBe(90);
  });

  it('refuses a prompt at or over max_model_len, and prompt plus max_tokens over it, with 400', () => {
    expect(statusOf(() => checkContext(100, null, limits, 'prompt'))).toBe(400);
    expect(statusOf(() => checkContext(101, 1, limits, 'prompt'))).toBe(400);
    expect(statusOf(() => checkContext(60, 41, limits, 'prompt'))).toBe(400);
  });

  it('refuses with 413 what needs more KV blocks than the whole cache has', () => {
    // 5 blocks of 16 hold 80 tokens: 70 + 20 fits the context (100) but never the cache.
    expect(statusOf(() => checkContext(70, 20, limits, 'prompt'))).toBe(413);
    expect(statusOf(() => checkContext(60, 20, limits, 'prompt'))).toBe(200);
    const body = toHttpError((() => { try { checkContext(70, 20, limits, 'prompt'); } catch (e) { return e; } })()).body;
    expect(body.error).toMatchObject({ code: 'context_length_exceeded', param: 'prompt', type: 'invalid_request_error' });
    expect(body.error.message).toMatch(/need 6 KV-cache blocks, but the whole cache has 5/);
  });
});
