/** Sampling rows for the device-sampler tests: every parameter the samplers read, seeded. */
import { Generator } from '../../src/sampling/generator.js';
import { resolveSamplingParams, type SamplingParamsInit } from '../../src/sampling/sampling-params.js';
import type { SamplingRow } from '../../src/sampling/sampling-row.js';

export function samplingRow(init: SamplingParamsInit, seed: number, prompt: number[] = [], output: number[] = [],
  vocabSize = 1000): SamplingRow {
  return {
    params: resolveSamplingParams(init, { vocabSize }), promptTokenIds: prompt, outputTokenIds: output,
    eosTokenIds: [2], generator: new Generator(seed),
  };
}

/** A mixed batch covering greedy, temperature, each filter, penalties, bias, allowed/bad ids, logprobs 0..20. */
export function mixedRows(vocabSize: number, seed: number): SamplingRow[] {
  const v = vocabSize, ids = (k: number, step: number) => Array.from({ length: k }, (_, i) => (i * step + seed) % v);
  const inits: [SamplingParamsInit, number[], number[]][] = [
    [{ temperature: 0 }, [], []],
    [{ temperature: 0, logprobs: 5 }, ids(4, 3), ids(3, 7)],
    [{ temperature: 1 }, [], []],
    [{ temperature: 0.7, seed: 11 }, [], []],
    [{ temperature: 1.3, topK: 40 }, [], []],
    [{ temperature: 0.9, topP: 0.8 }, [], []],
    [{ temperature: 1, minP: 0.05 }, [], []],
    [{ temperature: 0.8, topK: 50, topP: 0.9, minP: 0.02, logprobs: 20 }, [], []],
    [{ temperature: 1, repetitionPenalty: 1.3, logprobs: 0 }, ids(30, 5), ids(10, 11)],
    [{ temperature: 0, frequencyPenalty: 0.5, presencePenalty: 0.4 }, ids(5, 2), [...ids(6, 13), ...ids(4, 13)]],
    [{ temperature: 1, logitBias: { [seed % v]: 5, [(seed + 1) % v]: -100 }, logprobs: 3 }, [], []],
    [{ temperature: 0.6, allowedTokenIds: ids(12, 17), topK: 5 }, [], []],
    [{ temperature: 1, badTokenIds: ids(8, 19), minTokens: 4, stopTokenIds: [3, 5], logprobs: 1 }, [], ids(2, 1)],
    [{ temperature: 0, topK: 1 }, [], []],
  ];
  return inits.map(([init, prompt, output], i) => samplingRow(init, seed * 100 + i, prompt, output, v));
}
