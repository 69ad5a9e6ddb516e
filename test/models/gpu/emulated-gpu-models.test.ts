/**
 * The GPU model code on an emulated device (host-gpu-addon.ts: the CPU kernels on bf16-rounded data), against the
 * CPU model on each transformers fixture: weights upload and expert stacking, the per-layer attention and dense/MoE
 * feed-forward wiring, step buffers and views, graph capture and replay of padded decode steps. The real kernels
 * and transformers in bf16 are compared on the GPU machine (test/gpu/models).
 */
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { createModelRegistry } from '../../../src/models/builtin-models.js';
import type { CausalLM } from '../../../src/models/forward-batch.js';
import { loadCausalLM } from '../../../src/models/load-causal-lm.js';
import { GpuPlatform } from '../../../src/platforms/gpu/gpu-platform.js';
import { argmax, PagedSequences } from '../paged-sequences.js';
import { fixtureDir, loadFixtureModel, readReference } from '../transformers-fixture.js';
import { hostGpuAddon } from './host-gpu-addon.js';

const MODELS = ['llama', 'qwen3', 'qwen3_moe', 'mixtral', 'glm4_moe', 'gpt_oss', 'deepseek_v3'];

/**
 * The fixture as a float16 checkpoint (its config says so; the weights stay f32 and are rounded at upload): f16
 * keeps the emulation close enough to the f32 CPU model that a wiring mistake cannot hide in routing flips, which
 * bf16 rounding causes in these tiny MoE models.
 */
function asFloat16(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `hipserve-${name}-`));
  for (const file of readdirSync(fixtureDir(name))) {
    if (file !== 'config.json') symlinkSync(path.join(fixtureDir(name), file), path.join(dir, file));
  }
  const config = JSON.parse(readFileSync(path.join(fixtureDir(name), 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, torch_dtype: 'float16', dtype: 'float16' }));
  return dir;
}

async function loadEmulated(name: string, enforceEager: boolean): Promise<CausalLM> {
  const { model } = await loadCausalLM(asFloat16(name), { platform: new GpuPlatform(hostGpuAddon()),
    registry: createModelRegistry(), maxNumBatchedTokens: 64, maxModelLen: 128, maxNumSeqs: 8, enforceEager });
  model.allocateKvCache(64, 4);
  return model;
}

/** Every case's prompt and greedy continuation, teacher-forced: one mixed prefill step, then batched decodes. */
function teacherForced(model: CausalLM, sequences: number[][], promptLens: number[]): Float32Array[][] {
  const seqs = new PagedSequences(64, 4, 32);
  const v = model.config.vocabSize;
  const rows: Float32Array[][] = sequences.map(() => []);
  sequences.forEach((tokens, i) => seqs.add(i, tokens));
  let logits = model.forward(seqs.step(sequences.map((_, i) => ({ id: i, count: promptLens[i]! }))));
  for (;;) {
    sequences.forEach((_, i) => rows[i]!.push(logits.slice(i * v, (i + 1) * v)));
    if (sequences.some((_, i) => seqs.pending(i) === 0)) return rows;
    logits = model.forward(seqs.step(sequences.map((_, i) => ({ id: i, count: 1 }))));
  }
}

function range(row: Float32Array): number {
  return Math.max(...row) - Math.min(...row);
}

describe('the GPU models on an emulated device match the CPU models (f16 vs f32)', () => {
  for (const name of MODELS) {
    for (const eager of [false, true]) {
      it(`${name}, ${eager ? 'eager' : 'decode steps from graphs'}`, async () => {
        const cases = readReference(name);
        const sequences = cases.map((c) => [...c.prompt, ...c.greedy.slice(0, -1)]);
        const promptLens = cases.map((c) => c.prompt.length);
        const cpuModel = await loadFixtureModel(name, 64);
        const gpuModel = await loadEmulated(name, eager);
        const want = teacherForced(cpuModel, sequences, promptLens);
        const got = teacherForced(gpuModel, sequences, promptLens);
        // DeepSeek-V3's grouped sigmoid routing still flips an expert at a few positions under f16 (a lone
        // position off by several logits, its neighbours exact): allow those, never a run of them.
        const allowedFlips = name === 'deepseek_v3' ? 0.05 : 0;
        let agree = 0, total = 0;
        const flips: { i: number; k: number; noise: number }[] = [];
        want.forEach((rows, i) => rows.forEach((w, k) => {
          const g = got[i]![k]!;
          let noise = 0;
          for (let j = 0; j < w.length; j++) noise = Math.max(noise, Math.abs(w[j]! - g[j]!));
          total++;
          if (noise >= 0.02 * range(w)) {
            flips.push({ i, k, noise });
            return;
          }
          if (argmax(w) === argmax(g)) agree++;
        }));
        const where = flips.map((f) => `case ${f.i} position ${f.k} (${f.noise.toFixed(2)})`).join(', ');
        expect(flips.length, `${name}: positions off beyond f16 noise: ${where}`)
          .toBeLessThanOrEqual(Math.floor(allowedFlips * total));
        const consecutive = flips.filter((f, n) => n > 0 && flips[n - 1]!.i === f.i && flips[n - 1]!.k + 1 === f.k);
        expect(consecutive, `${name}: consecutive flips`).toEqual([]);
        expect(agree, `${name}: greedy picks`).toBe(total - flips.length);
        cpuModel.dispose();
        gpuModel.dispose();
      });
    }
  }

});
