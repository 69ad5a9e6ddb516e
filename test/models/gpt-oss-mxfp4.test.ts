import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { createModelRegistry } from '../../src/models/builtin-models.js';
import { loadCausalLM } from '../../src/models/load-causal-lm.js';
import { dequantizeMxfp4 } from '../../src/loader/mxfp4.js';
import { SafetensorsWeights } from '../../src/loader/safetensors-weights.js';
import { CpuPlatform } from '../../src/platforms/cpu/cpu-platform.js';
import { bf16ToF32 } from '../../bindings/half.js';
import { tempDir, writeSafetensors, type SafetensorsSpec } from '../loader/fixtures/safetensors-writer.js';
import { PagedSequences } from './paged-sequences.js';
import { fixtureDir, readReference } from './transformers-fixture.js';

/** E2M1 by code, from the OCP Microscaling spec: codes 8-15 are the negatives of 0-7. */
const SPEC_E2M1 = [0, 0.5, 1, 1.5, 2, 3, 4, 6];
const e2m1 = (code: number): number => (code & 8 ? -1 : 1) * SPEC_E2M1[code & 7]!;

describe('MXFP4 (gpt-oss experts)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('decodes codes low nibble first, scaled by 2^(s - 127), as the spec says', () => {
    const blocks = new Uint8Array(32);
    blocks.set([0x10, 0xf7, 0x9a, 0x2c], 0);    // row 0: 0, 0.5, 6, -6, -1, -0.5, -2, 1
    blocks.set([0x10, 0xf7, 0x9a, 0x2c], 16);   // row 1, same codes
    const scales = Uint8Array.from([129, 120]); // ×4, ×2^-7
    const file = tmp.write('spec.safetensors', writeSafetensors([
      { name: 'w_blocks', dtype: 'U8', shape: [2, 1, 16], data: blocks },
      { name: 'w_scales', dtype: 'U8', shape: [2, 1], data: scales },
    ]));
    const out = [...dequantizeMxfp4(SafetensorsWeights.openFiles([file]), 'w', [2], 32)].map(bf16ToF32);
    const row = [0, 0.5, 6, -6, -1, -0.5, -2, 1];
    expect(out.slice(0, 8)).toEqual(row.map((v) => v * 4));
    expect(out.slice(32, 40)).toEqual(row.map((v) => v * 2 ** -7));
    expect(out.slice(8, 32).every((v) => v === 0)).toBe(true);
  });

  it('rejects blocks whose shape does not match the tensor, naming it', () => {
    const file = tmp.write('bad.safetensors', writeSafetensors([
      { name: 'w_blocks', dtype: 'U8', shape: [2, 1, 15], data: new Uint8Array(30) },
      { name: 'w_scales', dtype: 'U8', shape: [2, 1], data: new Uint8Array(2) },
    ]));
    expect(() => dequantizeMxfp4(SafetensorsWeights.openFiles([file]), 'w', [2], 32)).toThrow(/w_blocks.*\[2, 1, 16\]/);
  });

  /**
   * The transformers fixture with its experts rounded to MXFP4, saved twice: as MXFP4 blocks and scales (the way
   * gpt-oss checkpoints are published: [E, rows, K/32, 16] over the transposed weight) and as plain f32 holding
   * the same rounded values in the bf16 checkpoint's layout. Both must give the same logits.
   */
  it('a checkpoint with MXFP4 experts computes what the same experts in f32 compute', async () => {
    const src = fixtureDir('gpt_oss');
    const weights = SafetensorsWeights.openFiles([path.join(src, 'model.safetensors')]);
    const plain: SafetensorsSpec[] = [], packed: SafetensorsSpec[] = [];
    for (const name of weights.names()) {
      const w = weights.get(name);
      const f32 = new Float32Array(w.data.buffer.slice(w.data.byteOffset, w.data.byteOffset + w.data.byteLength));
      const experts = /\.experts\.(gate_up_proj|down_proj)$/.test(name);
      if (!experts) {
        const spec = { name, dtype: 'F32', shape: [...w.shape], data: new Uint8Array(f32.buffer) };
        plain.push(spec);
        packed.push(spec);
        continue;
      }
      const [e, k, n] = w.shape as [number, number, number];  // stored [E, in, out]; MXFP4 packs [E, out, in]
      const rounded = new Float32Array(f32.length);
      const blocks = new Uint8Array((e * n * k) / 2), scales = new Uint8Array((e * n * k) / 32);
      for (let x = 0; x < e; x++) {
        for (let r = 0; r < n; r++) {
          for (let g = 0; g < k / 32; g++) {
            const at = (j: number): number => (x * k + g * 32 + j) * n + r;  // element (x, in = g·32 + j, out = r)
            let amax = 0;
            for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(f32[at(j)]!));
            const s = amax > 0 ? Math.ceil(Math.log2(amax / 6)) : -127;
            const block = (x * n + r) * (k / 32) + g;
            scales[block] = s + 127;
            for (let j = 0; j < 32; j++) {
              let best = 0;
              for (let c = 1; c < 16; c++) if (Math.abs(e2m1(c) * 2 ** s - f32[at(j)]!) < Math.abs(e2m1(best) * 2 ** s - f32[at(j)]!)) best = c;
              rounded[at(j)] = e2m1(best) * 2 ** s;
              blocks[block * 16 + (j >> 1)]! |= best << (4 * (j & 1));
            }
          }
        }
      }
      plain.push({ name, dtype: 'F32', shape: [e, k, n], data: new Uint8Array(rounded.buffer) });
      packed.push({ name: `${name}_blocks`, dtype: 'U8', shape: [e, n, k / 32, 16], data: blocks },
        { name: `${name}_scales`, dtype: 'U8', shape: [e, n, k / 32], data: scales });
    }
    const logitsOf = async (dir: string, specs: SafetensorsSpec[]): Promise<Float32Array> => {
      const folder = path.join(tmp.dir, dir);
      mkdirSync(folder, { recursive: true });
      tmp.write(`${dir}/model.safetensors`, writeSafetensors(specs));
      copyFileSync(path.join(src, 'config.json'), path.join(folder, 'config.json'));
      const { model } = await loadCausalLM(folder, { platform: new CpuPlatform(), registry: createModelRegistry() });
      model.allocateKvCache(64, 4);
      const seqs = new PagedSequences(64, 4, 16);
      const prompt = readReference('gpt_oss')[1]!.prompt;
      seqs.add(0, prompt);
      const logits = model.forward(seqs.step([{ id: 0, count: prompt.length }])).slice();
      model.dispose();
      return logits;
    };
    const fromPlain = await logitsOf('plain', plain), fromPacked = await logitsOf('packed', packed);
    expect(fromPacked.length).toBe(fromPlain.length);
    let worst = 0;
    for (let i = 0; i < fromPlain.length; i++) worst = Math.max(worst, Math.abs(fromPacked[i]! - fromPlain[i]!));
    expect(worst).toBeLessThan(1e-4);
  });
});
