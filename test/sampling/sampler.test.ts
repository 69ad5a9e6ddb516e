import { describe, expect, it } from 'vitest';

import { Generator } from '../../src/sampling/generator.js';
import { Sampler } from '../../src/sampling/sampler.js';
import { resolveSamplingParams, type SamplingParamsInit } from '../../src/sampling/sampling-params.js';
import type { SamplingRow } from '../../src/sampling/sampling-row.js';
import { randomF32 } from '../helpers/random.js';

function row(init: SamplingParamsInit, seed = 1, output: number[] = [], prompt: number[] = []): SamplingRow {
  return { params: resolveSamplingParams(init), promptTokenIds: prompt, outputTokenIds: output, eosTokenIds: [0],
    generator: new Generator(seed) };
}

/** softmax(logits / t) in plain float64. */
function softmax(logits: number[], t = 1): number[] {
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp((l - m) / t));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** Empirical token frequencies of `draws` samples from one row of logits. */
function frequencies(logits: number[], init: SamplingParamsInit, draws = 20000): number[] {
  const sampler = new Sampler(logits.length);
  const r = row(init, 123);
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sampler.sample(Float32Array.from(logits), [r])[0]!.tokenId]!++;
  return counts.map((c) => c / draws);
}

function expectDistribution(actual: number[], expected: number[]): void {
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]!), `token ${i}: ${a} vs ${expected[i]}`).toBeLessThan(0.015));
}

const LOGITS = [0, 1, 2, 3];

describe('Sampler', () => {
  it('picks the argmax when greedy', () => {
    const v = 100, n = 5;
    const logits = randomF32(v * n, 1, 5);
    const expected = Array.from({ length: n }, (_, r) => {
      const rowValues = Array.from(logits.subarray(r * v, (r + 1) * v));
      return rowValues.indexOf(Math.max(...rowValues));
    });
    const got = new Sampler(v).sample(logits, Array.from({ length: n }, () => row({ temperature: 0 })));
    expect(got.map((g) => g.tokenId)).toEqual(expected);
  });

  it('draws from softmax(logits / temperature)', () => {
    expectDistribution(frequencies(LOGITS, { temperature: 1 }), softmax(LOGITS));
    expectDistribution(frequencies(LOGITS, { temperature: 0.5 }), softmax(LOGITS, 0.5));
    expectDistribution(frequencies(LOGITS, { temperature: 2 }), softmax(LOGITS, 2));
  });

  it('renormalises over the tokens top_k, top_p and min_p keep', () => {
    const p = softmax(LOGITS);
    const keep = (ids: number[]): number[] => {
      const s = ids.reduce((a, i) => a + p[i]!, 0);
      return p.map((x, i) => (ids.includes(i) ? x / s : 0));
    };
    expectDistribution(frequencies(LOGITS, { topK: 2 }), keep([2, 3]));
    // p = [.032, .087, .237, .644]: 0.5 is reached by token 3 alone, 0.7 needs token 2 too.
    expectDistribution(frequencies(LOGITS, { topP: 0.5 }), keep([3]));
    expectDistribution(frequencies(LOGITS, { topP: 0.7 }), keep([2, 3]));
    expectDistribution(frequencies(LOGITS, { minP: 0.2 }), keep([2, 3]));
    expectDistribution(frequencies(LOGITS, { topK: 3, topP: 0.95, minP: 0.1 }), keep([1, 2, 3]));
    expectDistribution(frequencies(LOGITS, { topK: 3, topP: 0.85, minP: 0.3 }), keep([2, 3]));
  });

  it('gives a seeded request the same tokens whatever else is in its batch', () => {
    const v = 50;
    const run = (companions: number): number[] => {
      const sampler = new Sampler(v);
      const target = row({ temperature: 0.8, topP: 0.9, seed: 42 }, 42);
      const others = Array.from({ length: companions }, (_, i) => row({ temperature: 1.2, topK: 5 }, 1000 + i));
      const tokens: number[] = [];
      for (let step = 0; step < 40; step++) {
        const rows = [...others.slice(0, step % (companions + 1)), target, ...others.slice(step % (companions + 1))];
        const logits = new Float32Array(rows.length * v);
        rows.forEach((r, i) => logits.set(randomF32(v, r === target ? step : 7000 + step * 31 + i, 3), i * v));
        tokens.push(sampler.sample(logits, rows)[rows.indexOf(target)]!.tokenId);
      }
      return tokens;
    };
    const alone = run(0);
    expect(run(3)).toEqual(alone);
    expect(run(7)).toEqual(alone);
    expect(new Set(alone).size).toBeGreaterThan(5);
  });

  it('reports logprobs of the raw logits: the sampled token, its rank and the top alternatives', () => {
    const logits = [1, 3, 2, 0.5, 3];
    const lse = Math.log(logits.reduce((a, l) => a + Math.exp(l), 0));
    const [r] = new Sampler(5).sample(Float32Array.from(logits), [row({ temperature: 0, logprobs: 3, logitBias: { 2: 10 } })]);
    expect(r!.tokenId).toBe(2);
    expect(r!.logprobs!.token.tokenId).toBe(2);
    expect(r!.logprobs!.token.logprob).toBeCloseTo(2 - lse, 5);
    expect(r!.logprobs!.token.rank).toBe(3);
    expect(r!.logprobs!.top.map((t) => [t.tokenId, t.rank])).toEqual([[1, 1], [4, 2], [2, 3]]);
    expect(r!.logprobs!.top[0]!.logprob).toBeCloseTo(3 - lse, 5);
  });

  it('logprobs 0 reports only the sampled token', () => {
    const [r] = new Sampler(3).sample(Float32Array.from([0, 1, 2]), [row({ temperature: 0, logprobs: 0 })]);
    expect(r!.logprobs!.top).toEqual([]);
    expect(r!.logprobs!.token.rank).toBe(1);
  });
});
