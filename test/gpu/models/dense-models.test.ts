import { describe, expect, it } from 'vitest';

import type { CausalLM } from '../../../src/models/forward-batch.js';
import { argmax, PagedSequences } from '../../models/paged-sequences.js';
import { noGpu } from '../helpers/gpu.js';
import { hasGpuReference, loadGpuModel, maxAbsDiff, noReferences, range, readGpuReference, referenceModels,
  type GpuReferenceCase } from './gpu-reference.js';

const skip = noGpu || noReferences;
// Models with a transformers reference (the Llama-3-8B-shaped one serves only the decode benchmark).
const models = Object.entries(referenceModels()).filter(([, dir]) => hasGpuReference(dir));

/**
 * Feeds each case's prompt and transformers' continuation (teacher forcing), `together`: all cases in the same
 * steps (a mixed prefill step, then batched decode steps), else one case after another. Returns per case the
 * argmax at each reference position and the logits at the first and last of them.
 */
function teacherForced(model: CausalLM, cases: GpuReferenceCase[], together: boolean) {
  const seqs = new PagedSequences(256, 16, 64);
  const v = model.config.vocabSize;
  const out = cases.map(() => ({ top1: [] as number[], first: new Float32Array(0), last: new Float32Array(0) }));
  const record = (i: number, row: Float32Array): void => {
    const o = out[i]!;
    if (o.top1.length === 0) o.first = row.slice();
    o.top1.push(argmax(row));
    o.last = row.slice();
  };
  const groups = together ? [cases.map((_, i) => i)] : cases.map((_, i) => [i]);
  for (const group of groups) {
    for (const i of group) seqs.add(i, [...cases[i]!.prompt, ...cases[i]!.tokens.slice(0, -1)]);
    let logits = model.forward(seqs.step(group.map((i) => ({ id: i, count: cases[i]!.prompt.length }))));
    group.forEach((i, r) => record(i, logits.subarray(r * v, (r + 1) * v)));
    for (let k = 0; k < cases[group[0]!]!.tokens.length - 1; k++) {
      logits = model.forward(seqs.step(group.map((i) => ({ id: i, count: 1 }))));
      group.forEach((i, r) => record(i, logits.subarray(r * v, (r + 1) * v)));
    }
  }
  return out;
}

function expectMatches(name: string, cases: GpuReferenceCase[], got: ReturnType<typeof teacherForced>): void {
  cases.forEach((c, i) => {
    const g = got[i]!;
    // bf16 noise between two implementations, measured on the first and last positions' logits.
    const noise = Math.max(maxAbsDiff(g.first, c.logits_first), maxAbsDiff(g.last, c.logits_last));
    expect(noise, `${name} case ${i}: logits differ by ${noise} over a range of ${range(c.logits_first)}`)
      .toBeLessThan(0.06 * range(c.logits_first));
    // Random 8B-shaped weights give small margins: at least one position must be decisive, and all that are, equal.
    const decisive = c.margin.map((m, k) => (m > 2 * noise ? k : -1)).filter((k) => k >= 0);
    expect(decisive.length, `${name} case ${i}: no position decisive beyond the noise ${noise}`).toBeGreaterThan(0);
    const mismatches = decisive.filter((k) => g.top1[k] !== c.top1[k]);
    expect(mismatches, `${name} case ${i}: top-1 differs where transformers' margin exceeds 2 × ${noise}`).toEqual([]);
  });
}

describe.skipIf(skip)('dense models on the GPU match transformers (bf16, teacher-forced)', () => {
  for (const [name, dir] of models) {
    it(`${name}: one sequence at a time, decode steps from graphs`, async () => {
      const cases = readGpuReference(dir);
      const model = await loadGpuModel(dir);
      expectMatches(name, cases, teacherForced(model, cases, false));
      model.dispose();
    });

    it(`${name}: all cases in one mixed prefill step and batched decodes, eager`, async () => {
      const cases = readGpuReference(dir);
      const model = await loadGpuModel(dir, { enforceEager: true });
      expectMatches(name, cases, teacherForced(model, cases, true));
      model.dispose();
    });
  }
});
