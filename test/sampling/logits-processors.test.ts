import { describe, expect, it } from 'vitest';

import { Generator } from '../../src/sampling/generator.js';
import { applyLogitsProcessors } from '../../src/sampling/logits-processors.js';
import { resolveSamplingParams, type SamplingParamsInit } from '../../src/sampling/sampling-params.js';
import { randomF32 } from '../helpers/random.js';

const V = 16;

function apply(init: SamplingParamsInit, prompt: number[], output: number[], logits: Float32Array): Float32Array {
  const row = logits.slice();
  const counts = new Int32Array(V);
  applyLogitsProcessors(row, { params: resolveSamplingParams(init, { vocabSize: V }), promptTokenIds: prompt,
    outputTokenIds: output, eosTokenIds: [15], generator: new Generator(0) }, counts);
  expect(counts.every((c) => c === 0)).toBe(true);
  return row;
}

describe('logits processors', () => {
  const logits = randomF32(V, 3, 4);
  const prompt = [1, 2, 2, 3];
  const output = [3, 4, 4, 4, 5];

  it('repetition penalty divides positive and multiplies negative logits of seen tokens once', () => {
    const got = apply({ repetitionPenalty: 1.5 }, prompt, output, logits);
    const seen = new Set([...prompt, ...output]);
    const want = Array.from(logits, (l, i) => (seen.has(i) ? (l > 0 ? l / 1.5 : l * 1.5) : l));
    want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5));
  });

  it('frequency and presence penalties count output tokens only', () => {
    const got = apply({ frequencyPenalty: 0.5, presencePenalty: 0.25 }, prompt, output, logits);
    const count = (i: number): number => output.filter((t) => t === i).length;
    const want = Array.from(logits, (l, i) => l - 0.5 * count(i) - (count(i) > 0 ? 0.25 : 0));
    want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5));
  });

  it('logit bias adds, allowed ids keep only themselves, bad ids are removed', () => {
    const got = apply({ logitBias: { 7: 2 }, allowedTokenIds: [6, 7, 8], badTokenIds: [8] }, prompt, output, logits);
    Array.from(got).forEach((g, i) => {
      if (i === 6) expect(g).toBeCloseTo(logits[6]!, 6);
      else if (i === 7) expect(g).toBeCloseTo(logits[7]! + 2, 5);
      else expect(g).toBe(-Infinity);
    });
  });

  it('min_tokens hides EOS and stop token ids until enough tokens are out', () => {
    const early = apply({ minTokens: 6, stopTokenIds: [9] }, prompt, output, logits);
    expect(early[15]).toBe(-Infinity);
    expect(early[9]).toBe(-Infinity);
    const ignoring = apply({ minTokens: 6, stopTokenIds: [9], ignoreEos: true }, prompt, output, logits);
    expect(ignoring[15]).toBe(logits[15]);
    const late = apply({ minTokens: 5, stopTokenIds: [9] }, prompt, output, logits);
    expect(late[15]).toBe(logits[15]);
    expect(late[9]).toBe(logits[9]);
  });
});
