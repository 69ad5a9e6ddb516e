import { describe, expect, it } from 'vitest';

import { StepBuffers } from '../../src/models/step-buffers.js';

const DIMS = { hiddenSize: 8, numHeads: 4, numKvHeads: 2, headDim: 2, intermediateSize: 6 };

describe('StepBuffers', () => {
  it('hands out the same views for steps of the same size (a steady state allocates nothing)', () => {
    const buffers = new StepBuffers(DIMS, 16);
    const a = buffers.views(3);
    expect(buffers.views(3)).toBe(a);
    expect(buffers.views(5)).not.toBe(a);
    expect(buffers.views(5).hidden.shape).toEqual([5, 8]);
  });

  it('views one buffer several ways: q as [T, Hq·D], per-head rows and [T, Hq, D]', () => {
    const v = new StepBuffers(DIMS, 4).views(4);
    expect(v.qRows.data).toBe(v.q.data);
    expect(v.qHeads.data).toBe(v.q.data);
    expect(v.qRows.shape).toEqual([16, 2]);
    expect(v.qHeads.shape).toEqual([4, 4, 2]);
    expect(v.mlp.gate.strides).toEqual([12, 1]);
    expect((v.mlp.up.data as Float32Array).byteOffset).toBe(6 * 4);
  });

  it('grows to at least double for a larger step, keeping what fits', () => {
    const buffers = new StepBuffers(DIMS, 4);
    const small = buffers.views(4).hidden.data as Float32Array;
    const large = buffers.views(5).hidden.data as Float32Array;
    expect(large).not.toBe(small);
    expect(large.length).toBe(8 * DIMS.hiddenSize);
    expect(buffers.views(8).hidden.data).toBe(large);
  });
});
