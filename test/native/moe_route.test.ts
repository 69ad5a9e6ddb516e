import { describe, expect, it } from 'vitest';

import { loadAddon, type MoeRouteOptions } from '../../bindings/addon.js';
import { Tensor } from '../../bindings/tensor.js';
import { expectClose } from '../helpers/expect-close.js';
import { randomF32 } from '../helpers/random.js';

const { ops, opsAsync } = loadAddon();

/** Indices of the k largest values among `eligible`, largest first. */
function topK(values: readonly number[], k: number, eligible: (i: number) => boolean = () => true): number[] {
  return values.map((v, i) => ({ v, i })).filter(({ i }) => eligible(i)).sort((a, b) => b.v - a.v || a.i - b.i)
    .slice(0, k).map(({ i }) => i);
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** One token's routing, written from the transformers formulas of each family. */
function refRoute(logits: number[], o: MoeRouteOptions, bias?: readonly number[]): { ids: number[]; weights: number[] } {
  const k = o.topK;
  if (o.router === 'topk_softmax') {
    const ids = topK(logits, k);
    const exps = ids.map((i) => Math.exp(logits[i]!));
    return { ids, weights: exps.map((x) => x / sum(exps)) };
  }
  if (o.router === 'softmax_topk') {
    const exps = logits.map(Math.exp);
    const probs = exps.map((x) => x / sum(exps));
    const ids = topK(probs, k);
    const w = ids.map((i) => probs[i]!);
    return { ids, weights: o.renormalize ? w.map((x) => x / sum(w)) : w };
  }
  const scores = logits.map((x) => 1 / (1 + Math.exp(-x)));
  const choice = scores.map((s, i) => s + (bias?.[i] ?? 0));
  const groups = o.numGroups ?? 1;
  const size = logits.length / groups;
  const groupScores = Array.from({ length: groups }, (_, g) =>
    sum(topK(choice.slice(g * size, (g + 1) * size), 2).map((i) => choice[g * size + i]!)));
  const kept = new Set(topK(groupScores, o.topkGroups ?? 1));
  const ids = topK(choice, k, (i) => kept.has(Math.floor(i / size)));
  const w = ids.map((i) => scores[i]!);
  const scale = o.routedScalingFactor ?? 1;
  return { ids, weights: (o.renormalize ? w.map((x) => x / sum(w)) : w).map((x) => x * scale) };
}

function route(numTokens: number, numExperts: number, options: MoeRouteOptions, withBias = false, seed = 1) {
  const logits = Tensor.f32([numTokens, numExperts], randomF32(numTokens * numExperts, seed, 3));
  const bias = withBias ? Tensor.f32([numExperts], randomF32(numExperts, seed + 1, 0.5)) : null;
  const ids = Tensor.i32([numTokens, options.topK]);
  const weights = Tensor.f32([numTokens, options.topK]);
  return { logits, bias, ids, weights };
}

const CASES: Array<[string, number, MoeRouteOptions, boolean]> = [
  ['Qwen3-MoE softmax → top-k, renormalized', 128, { router: 'softmax_topk', topK: 8, renormalize: true }, false],
  ['softmax → top-k without renormalizing', 60, { router: 'softmax_topk', topK: 4 }, false],
  ['Mixtral: 8 experts, top-2', 8, { router: 'softmax_topk', topK: 2, renormalize: true }, false],
  ['gpt-oss top-k → softmax', 32, { router: 'topk_softmax', topK: 4 }, false],
  ['DeepSeek-V3 grouped sigmoid with bias', 64,
    { router: 'sigmoid_grouped', topK: 8, renormalize: true, numGroups: 8, topkGroups: 4, routedScalingFactor: 2.5 }, true],
  ['GLM-4.5 sigmoid, one group', 16,
    { router: 'sigmoid_grouped', topK: 4, renormalize: true, numGroups: 1, topkGroups: 1, routedScalingFactor: 1.5 }, true],
  ['sigmoid grouped without bias or renormalizing', 12, { router: 'sigmoid_grouped', topK: 3, numGroups: 3, topkGroups: 2 }, false],
];

describe('moeRoute', () => {
  it.each(CASES)('%s', (_, experts, options, withBias) => {
    for (const t of [1, 5, 37]) {
      const { logits, bias, ids, weights } = route(t, experts, options, withBias, t);
      ops.moeRoute(logits, bias, options, ids, weights);
      for (let r = 0; r < t; r++) {
        const ref = refRoute([...logits.data.subarray(r * experts, (r + 1) * experts)], options, bias ? [...bias.data] : undefined);
        expect([...ids.data.subarray(r * options.topK, (r + 1) * options.topK)]).toEqual(ref.ids);
        expectClose(weights.data.subarray(r * options.topK, (r + 1) * options.topK), Float32Array.from(ref.weights));
      }
    }
  });

  it('keeps only experts of the best groups', () => {
    // Group 1 (experts 4..7) holds the single best expert but group 0 has the better top-2 sum.
    const logits = Tensor.f32([1, 8], [2, 2, -5, -5, 3, -5, -5, -5]);
    const ids = Tensor.i32([1, 2]);
    const weights = Tensor.f32([1, 2]);
    ops.moeRoute(logits, null, { router: 'sigmoid_grouped', topK: 2, numGroups: 2, topkGroups: 1 }, ids, weights);
    expect([...ids.data]).toEqual([0, 1]);
  });

  it('runs asynchronously with the same result', async () => {
    const options: MoeRouteOptions = { router: 'softmax_topk', topK: 2, renormalize: true };
    const a = route(9, 8, options);
    const b = route(9, 8, options);
    ops.moeRoute(a.logits, null, options, a.ids, a.weights);
    await opsAsync.moeRoute(b.logits, null, options, b.ids, b.weights);
    expect(b.ids.data).toEqual(a.ids.data);
    expect(b.weights.data).toEqual(a.weights.data);
  });

  it('rejects bad parameters with coded errors', () => {
    const { logits, ids, weights } = route(2, 8, { router: 'softmax_topk', topK: 2 });
    const bad: MoeRouteOptions[] = [
      { router: 'softmax_topk', topK: 9 },
      { router: 'softmax_topk', topK: 3 },
      { router: 'sigmoid_grouped', topK: 2, numGroups: 3 },
      { router: 'sigmoid_grouped', topK: 2, numGroups: 4, topkGroups: 5 },
      { router: 'nope' as never, topK: 2 },
    ];
    for (const o of bad) expect(() => ops.moeRoute(logits, null, o, ids, weights)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^HS_/) }));
    expect(() => ops.moeRoute(logits, Tensor.f32([8]), { router: 'softmax_topk', topK: 2 }, ids, weights))
      .toThrow(expect.objectContaining({ code: 'HS_INVALID_ARGUMENT' }));
  });
});
