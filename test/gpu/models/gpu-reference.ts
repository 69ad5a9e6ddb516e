/**
 * The GPU machine's transformers references (test/gpu/models/make_gpu_references.py writes them into the folder
 * HIPSERVE_GPU_MODELS names) and the comparison the GPU model tests make: teacher-forced, bf16 on both sides, so
 * top-1 tokens are compared only where transformers' top-2 margin exceeds the noise measured between the two.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { expect, it } from 'vitest';

import { createModelRegistry } from '../../../src/models/builtin-models.js';
import type { CausalLM } from '../../../src/models/forward-batch.js';
import { loadCausalLM } from '../../../src/models/load-causal-lm.js';
import { GpuPlatform } from '../../../src/platforms/gpu/gpu-platform.js';
import { argmax, PagedSequences } from '../../models/paged-sequences.js';
import { gpuAddon } from '../helpers/gpu.js';

export interface GpuReferenceCase {
  prompt: number[];
  /** transformers' greedy continuation. */
  tokens: number[];
  /** At each position from the prompt's last: transformers' top-1 token and top-2 margin. */
  top1: number[];
  margin: number[];
  logits_first: number[];
  logits_last: number[];
}

const root = process.env.HIPSERVE_GPU_MODELS;

/** Why the model tests skip, or false when the references are there. */
export const noReferences: string | false = root && existsSync(path.join(root, 'summary.json')) ? false
  : 'HIPSERVE_GPU_MODELS names no folder of GPU references (test/gpu/device-run.sh makes them)';

interface Summary {
  models: Record<string, string>;
  /** The MoE architectures among the models (older summaries lack it: none). */
  moe_models?: string[];
}

function summary(): Summary {
  return JSON.parse(readFileSync(path.join(root!, 'summary.json'), 'utf8')) as Summary;
}

export function referenceModels(): Record<string, string> {
  if (!root) return {};
  return summary().models;
}

/** [name, folder] of the models with a transformers reference, the MoE ones or the dense ones. */
export function referenceCases(moe: boolean): [string, string][] {
  if (!root) return [];
  const s = summary();
  const moeNames = new Set(s.moe_models ?? []);
  return Object.entries(s.models).filter(([name, dir]) => moeNames.has(name) === moe && hasGpuReference(dir));
}

export function hasGpuReference(modelDir: string): boolean {
  return existsSync(path.join(modelDir, 'gpu_reference.json'));
}

export function readGpuReference(modelDir: string): GpuReferenceCase[] {
  return (JSON.parse(readFileSync(path.join(modelDir, 'gpu_reference.json'), 'utf8')) as { cases: GpuReferenceCase[] }).cases;
}

export async function loadGpuModel(modelDir: string, opts: { enforceEager?: boolean; numBlocks?: number;
  blockSize?: number; maxModelLen?: number } = {}): Promise<CausalLM> {
  const platform = new GpuPlatform(gpuAddon());
  const { model } = await loadCausalLM(modelDir, { platform, registry: createModelRegistry(), maxNumBatchedTokens: 512,
    maxModelLen: opts.maxModelLen ?? 1024, maxNumSeqs: 64, enforceEager: opts.enforceEager });
  model.allocateKvCache(opts.numBlocks ?? 256, opts.blockSize ?? 16);
  return model;
}

/** Largest |a - b| over two rows. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function range(row: ArrayLike<number>): number {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < row.length; i++) {
    lo = Math.min(lo, row[i]!);
    hi = Math.max(hi, row[i]!);
  }
  return hi - lo;
}

/**
 * Feeds each case's prompt and transformers' continuation (teacher forcing), `together`: all cases in the same
 * steps (a mixed prefill step, then batched decode steps), else one case after another. Returns per case the
 * argmax at each reference position and the logits at the first and last of them.
 */
export function teacherForced(model: CausalLM, cases: GpuReferenceCase[], together: boolean) {
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

export function expectMatches(name: string, cases: GpuReferenceCase[], got: ReturnType<typeof teacherForced>): void {
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

/** Each model's two tests: one case at a time (decode steps from graphs), and all cases in shared steps, eager. */
export function referenceTests(models: [string, string][]): void {
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
}
