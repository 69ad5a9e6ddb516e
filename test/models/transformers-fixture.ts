/**
 * The transformers reference fixtures: tiny random-weight models saved by transformers 5.17 with its greedy
 * continuations and f32 logits (scripts/fixtures/make_dense_fixtures.py and make_moe_fixtures.py).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { expect } from 'vitest';

import { createModelRegistry } from '../../src/models/builtin-models.js';
import type { CausalLM } from '../../src/models/forward-batch.js';
import { loadCausalLM } from '../../src/models/load-causal-lm.js';
import { CpuPlatform } from '../../src/platforms/cpu/cpu-platform.js';
import { repoPath } from '../helpers/shared-data.js';

export interface ReferenceCase {
  prompt: number[];
  greedy: number[];
  last_logits: number[];
  final_logits: number[];
}

export function fixtureDir(name: string): string {
  return path.join(repoPath('test/fixtures/models'), name);
}

export function readReference(name: string): ReferenceCase[] {
  return (JSON.parse(readFileSync(path.join(fixtureDir(name), 'reference.json'), 'utf8')) as { cases: ReferenceCase[] }).cases;
}

/** The fixture model on the CPU platform with a 64-block cache of 4-token blocks. */
export async function loadFixtureModel(name: string, maxNumBatchedTokens = 32): Promise<CausalLM> {
  expect(existsSync(fixtureDir(name))).toBe(true);
  const { model } = await loadCausalLM(fixtureDir(name), { platform: new CpuPlatform(), registry: createModelRegistry(),
    maxNumBatchedTokens });
  model.allocateKvCache(64, 4);
  return model;
}
