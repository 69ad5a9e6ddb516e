import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { hfToModelConfig } from '../../src/loader/hf-config.js';
import type { WeightSource } from '../../src/loader/weights.js';
import { glm4MoeVariant } from '../../src/models/glm4-moe.js';
import { fixtureDir } from './transformers-fixture.js';

describe('GLM-4.5 dense leading layers', () => {
  const file = path.join(fixtureDir('glm4_moe'), 'config.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const denseAt = (raw: Record<string, unknown>, index: number): boolean => {
    const variant = glm4MoeVariant(hfToModelConfig(raw, file));
    return variant.moeLayerOf!(index, {} as WeightSource) === null;
  };

  it('follows first_k_dense_replace when the config has it', () => {
    expect(denseAt({ ...json, first_k_dense_replace: 2 }, 1)).toBe(true);
    expect(denseAt({ ...json, first_k_dense_replace: 2 }, 2)).toBe(false);
  });

  it("defaults to transformers' Glm4MoeConfig value (1) when the config omits it", () => {
    const { first_k_dense_replace: _omitted, ...raw } = json;
    expect(denseAt(raw, 0)).toBe(true);
    expect(denseAt(raw, 1)).toBe(false);
  });
});
