import { describe, expect, it } from 'vitest';

import type { RopeScaling } from '../../src/loader/model-config.js';
import { buildCosSinCache } from '../../src/layers/rotary/cos-sin-cache.js';
import { type RopeConfig, ropeFrequencies } from '../../src/layers/rotary/rope-frequencies.js';

const THETA = 10000;
const HEAD_DIM = 64;

function config(rope: RopeScaling, maxPositionEmbeddings = 4096, partialRotaryFactor = 1): RopeConfig {
  return { headDim: HEAD_DIM, partialRotaryFactor, ropeTheta: THETA, rope, maxPositionEmbeddings };
}

/** Pair i of a d-dim rotation turns by theta^(-2i/d) radians per position. */
function plainFrequency(i: number, dim: number, base = THETA): number {
  return Math.pow(base, -(2 * i) / dim);
}

/** How many full turns pair i makes over `context` positions at its unscaled frequency. */
function turnsOver(context: number, i: number, dim: number): number {
  return (context * plainFrequency(i, dim)) / (2 * Math.PI);
}

function expectRelClose(actual: number, expected: number, rel = 1e-6): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('RoPE frequencies', () => {
  it('default: pair i turns by theta^(-2i/d)', () => {
    const { invFreq, attentionFactor, rotaryDim } = ropeFrequencies(config({ type: 'default', factor: 1 }));
    expect(rotaryDim).toBe(HEAD_DIM);
    expect(attentionFactor).toBe(1);
    invFreq.forEach((f, i) => expectRelClose(f, plainFrequency(i, HEAD_DIM)));
  });

  it('partial rotary: only the first fraction of each head rotates, with frequencies of that width', () => {
    const { invFreq, rotaryDim } = ropeFrequencies(config({ type: 'default', factor: 1 }, 4096, 0.25));
    expect(rotaryDim).toBe(16);
    expect(invFreq.length).toBe(8);
    invFreq.forEach((f, i) => expectRelClose(f, plainFrequency(i, 16)));
  });

  it('linear: position p rotates like position p / factor without scaling', () => {
    const { invFreq } = ropeFrequencies(config({ type: 'linear', factor: 4 }));
    invFreq.forEach((f, i) => expectRelClose(1000 * f, (1000 / 4) * plainFrequency(i, HEAD_DIM)));
  });

  it('dynamic NTK: unchanged within the trained length; beyond it the slowest pair slows by exactly the NTK ratio', () => {
    const rope: RopeScaling = { type: 'dynamic', factor: 2 };
    const short = ropeFrequencies(config(rope, 4096), 1000).invFreq;
    short.forEach((f, i) => expectRelClose(f, plainFrequency(i, HEAD_DIM)));
    const seqLen = 3 * 4096;
    const long = ropeFrequencies(config(rope, 4096), seqLen).invFreq;
    const ratio = (2 * seqLen) / 4096 - (2 - 1);
    expectRelClose(long[0]!, 1);
    expectRelClose(long[long.length - 1]!, plainFrequency(long.length - 1, HEAD_DIM) / ratio);
    for (let i = 1; i < long.length; i++) expect(long[i]!).toBeLessThan(plainFrequency(i, HEAD_DIM));
  });

  it('llama3: fast pairs kept, slow pairs divided by factor, pairs between blended linearly in turns over the old context', () => {
    const rope: RopeScaling = { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192 };
    const { invFreq } = ropeFrequencies(config(rope, 131072));
    let kept = 0, divided = 0, blended = 0;
    invFreq.forEach((f, i) => {
      const plain = plainFrequency(i, HEAD_DIM);
      const turns = turnsOver(8192, i, HEAD_DIM);
      if (turns > 4) {
        kept++;
        expectRelClose(f, plain);
      } else if (turns < 1) {
        divided++;
        expectRelClose(f, plain / 8);
      } else {
        blended++;
        const weight = (turns - 1) / (4 - 1);
        expectRelClose(f, plain / 8 + weight * (plain - plain / 8));
      }
    });
    expect(Math.min(kept, divided, blended)).toBeGreaterThan(0);
  });

  it('yarn: pairs turning more than beta_fast times are kept, fewer than beta_slow interpolated, cos/sin scaled', () => {
    const rope: RopeScaling = { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096 };
    const { invFreq, attentionFactor } = ropeFrequencies(config(rope, 16384));
    expectRelClose(attentionFactor, 0.1 * Math.log(4) + 1);
    let kept = 0, interpolated = 0;
    invFreq.forEach((f, i) => {
      const plain = plainFrequency(i, HEAD_DIM);
      const turns = turnsOver(4096, i, HEAD_DIM);
      if (turns >= 32) {
        kept++;
        expectRelClose(f, plain);
      } else if (turns <= 1) {
        interpolated++;
        expectRelClose(f, plain / 4);
      } else {
        expect(f).toBeLessThanOrEqual(plain * (1 + 1e-6));
        expect(f).toBeGreaterThanOrEqual((plain / 4) * (1 - 1e-6));
      }
    });
    expect(Math.min(kept, interpolated)).toBeGreaterThan(0);
  });

  it('yarn with mscale and mscale_all_dim (DeepSeek-V3) divides the two log-scaled factors', () => {
    const rope: RopeScaling = { type: 'yarn', factor: 40, originalMaxPositionEmbeddings: 4096, mscale: 1,
      mscaleAllDim: 0.707 };
    const { attentionFactor } = ropeFrequencies(config(rope, 163840));
    expectRelClose(attentionFactor, (0.1 * Math.log(40) + 1) / (0.1 * 0.707 * Math.log(40) + 1));
    const equal = ropeFrequencies(config({ ...rope, mscaleAllDim: 1 }, 163840));
    expect(equal.attentionFactor).toBe(1);
  });

  it('rejects an odd rotary dimension', () => {
    expect(() => ropeFrequencies({ ...config({ type: 'default', factor: 1 }), headDim: 10, partialRotaryFactor: 0.5 }))
      .toThrow(expect.objectContaining({ code: 'unsupported' }));
  });
});

describe('cos/sin cache', () => {
  it('row p holds cos then sin of p times each frequency, times the attention factor', () => {
    const cfg = config({ type: 'yarn', factor: 2, originalMaxPositionEmbeddings: 64 }, 128, 0.5);
    const { invFreq, attentionFactor, rotaryDim } = ropeFrequencies(cfg);
    const cache = buildCosSinCache(cfg, 100);
    expect(cache.length).toBe(100 * rotaryDim);
    for (const p of [0, 1, 17, 99]) {
      for (let i = 0; i < rotaryDim / 2; i++) {
        expect(cache[p * rotaryDim + i]).toBeCloseTo(Math.cos(p * invFreq[i]!) * attentionFactor, 6);
        expect(cache[p * rotaryDim + rotaryDim / 2 + i]).toBeCloseTo(Math.sin(p * invFreq[i]!) * attentionFactor, 6);
      }
    }
  });
});
