/**
 * The GPU machine's transformers references (test/gpu/models/make_gpu_references.py writes them into the folder
 * HIPSERVE_GPU_MODELS names) and the comparison the GPU model tests make: teacher-forced, bf16 on both sides, so
 * top-1 tokens are compared only where transformers' top-2 margin exceeds the noise measured between the two.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { createModelRegistry } from '../../../src/models/builtin-models.js';
import type { CausalLM } from '../../../src/models/forward-batch.js';
import { loadCausalLM } from '../../../src/models/load-causal-lm.js';
import { GpuPlatform } from '../../../src/platforms/gpu/gpu-platform.js';
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

export function referenceModels(): Record<string, string> {
  if (!root) return {};
  return (JSON.parse(readFileSync(path.join(root, 'summary.json'), 'utf8')) as { models: Record<string, string> }).models;
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
