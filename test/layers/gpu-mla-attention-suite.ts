/**
 * The tests of GpuMlaAttention against the CPU MlaAttention, for any GpuAddon: the real device (test/gpu, bf16) and
 * the host emulation (test/layers, CI). The committed tiny DeepSeek-V3 (q LoRA, yarn with mscale, interleaved RoPE;
 * H=4, L=32, R=8, nope=16, v=16), its weights rounded to the compute dtype so that the CPU (f32 activations) and the
 * device read the same values.
 */
import path from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { DeviceTensor } from '../../bindings/device-tensor.js';
import type { GpuAddon } from '../../bindings/gpu.js';
import { bf16ToF32, f16ToF32, toBf16Array, toF16Array } from '../../bindings/half.js';
import { attentionMetadata } from '../../src/layers/attention/attention-metadata.js';
import { MlaAttention } from '../../src/layers/attention/mla-attention.js';
import { latentDim, mlaDims } from '../../src/layers/attention/mla-dims.js';
import { MlaLatentCache } from '../../src/layers/attention/mla-latent-cache.js';
import { MlaRotary } from '../../src/layers/attention/mla-rotary.js';
import { MlaScratch } from '../../src/layers/attention/mla-scratch.js';
import { DeviceWeights, type HalfDType } from '../../src/layers/gpu/device-weights.js';
import { GpuLatentCache } from '../../src/layers/gpu/gpu-latent-cache.js';
import { GpuMlaAttention } from '../../src/layers/gpu/gpu-mla-attention.js';
import { GpuMlaRotary } from '../../src/layers/gpu/gpu-mla-rotary.js';
import { GpuMlaScratch } from '../../src/layers/gpu/gpu-mla-scratch.js';
import { weightAsF32 } from '../../src/layers/weight-tensors.js';
import { hfToModelConfig } from '../../src/loader/hf-config.js';
import { readJsonFile } from '../../src/loader/read-json-file.js';
import { SafetensorsWeights } from '../../src/loader/safetensors-weights.js';
import type { ForwardBatch } from '../../src/models/forward-batch.js';
import { GpuStepInputBuffer } from '../../src/models/gpu/gpu-step-inputs.js';
import { randomF32 } from '../helpers/random.js';
import { PagedSequences } from '../models/paged-sequences.js';
import { MemoryWeights } from './memory-weights.js';

const FIXTURE = path.resolve('test/fixtures/models/deepseek_v3');
const PREFIX = 'model.layers.0.self_attn';
const [BLOCK, NUM_BLOCKS, MAX_BLOCKS, MAX_TOKENS] = [4, 24, 12, 48];

const toHalf = (dtype: HalfDType, v: Float32Array): Uint16Array => (dtype === 'bf16' ? toBf16Array(v) : toF16Array(v));
const roundHalf = (dtype: HalfDType, v: Float32Array): Float32Array =>
  Float32Array.from(toHalf(dtype, v), dtype === 'bf16' ? bf16ToF32 : f16ToF32);

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]!)) return Infinity;
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** Defines the tests (call inside a describe); `tolerance` bounds ‖gpu − cpu‖ / ‖cpu‖ of each step's output. */
export function gpuMlaAttentionSuite(addon: () => GpuAddon, dtype: HalfDType, tolerance: number, fixture = FIXTURE): void {
  const cpu = loadAddon().ops;
  const config = hfToModelConfig(readJsonFile(path.join(fixture, 'config.json')), 'config.json');
  const dims = mlaDims(config);
  const hidden = config.hiddenSize, maxPos = config.maxPositionEmbeddings;
  const stored = SafetensorsWeights.openFiles([path.join(fixture, 'model.safetensors')]);
  const weights = new MemoryWeights();
  for (const name of stored.names().filter((n) => n.startsWith(PREFIX))) {
    const w = stored.get(name);
    weights.add(name, w.shape, weightAsF32(w), dtype);
  }
  // Device state, made once the suite runs (a skipped suite is still collected).
  let deviceWeights: DeviceWeights, scratch: GpuMlaScratch, latent: GpuLatentCache, inputs: GpuStepInputBuffer;
  let x: DeviceTensor, out: DeviceTensor;
  beforeAll(() => {
    const { gpu } = addon();
    deviceWeights = new DeviceWeights(gpu, weights, dtype);
    scratch = new GpuMlaScratch(gpu, dims, dtype, MAX_TOKENS);
    latent = new GpuLatentCache(gpu, 1, NUM_BLOCKS, BLOCK, latentDim(dims), dtype);
    inputs = new GpuStepInputBuffer(gpu, MAX_TOKENS, 8, MAX_BLOCKS);
    x = DeviceTensor.empty(gpu, dtype, [MAX_TOKENS, hidden]);
    out = DeviceTensor.empty(gpu, dtype, [MAX_TOKENS, hidden]);
  });
  afterAll(() => {
    for (const r of [deviceWeights, scratch, latent, inputs, x, out]) r?.dispose();
  });

  const download = (t: number): Float32Array =>
    Float32Array.from(out.download(new Uint16Array(MAX_TOKENS * hidden)).subarray(0, t * hidden),
      dtype === 'bf16' ? bf16ToF32 : f16ToF32);

  function layers() {
    const ref = new MlaAttention(cpu, weights, PREFIX, config, dims, new MlaRotary(cpu, config, dims.qkRopeHeadDim, maxPos));
    ref.cache = new MlaLatentCache(NUM_BLOCKS, BLOCK, latentDim(dims));
    const attn = new GpuMlaAttention(addon().ops, deviceWeights, PREFIX, config, dims,
      new GpuMlaRotary(deviceWeights, config, dims.qkRopeHeadDim, maxPos), scratch);
    attn.cache = latent.layers[0]!;
    return { ref, attn, cpuScratch: new MlaScratch(dims, MAX_TOKENS) };
  }

  /** The CPU layer's output for the first `rows` rows of xs. */
  function reference(l: ReturnType<typeof layers>, batch: ForwardBatch, xs: Float32Array, rows: number): Float32Array {
    const want = new Float32Array(rows * hidden);
    l.ref.forward({ data: xs.subarray(0, rows * hidden), dtype: 'f32', shape: [rows, hidden] },
      { data: want, dtype: 'f32', shape: [rows, hidden] }, { data: batch.positions, dtype: 'i32', shape: [rows] },
      attentionMetadata(batch), l.cpuScratch.views(rows));
    return want;
  }

  /** One step on both. */
  function step(l: ReturnType<typeof layers>, batch: ForwardBatch, seed: number) {
    const t = batch.numTokens;
    const xs = roundHalf(dtype, randomF32(t * hidden, seed));
    const want = reference(l, batch, xs, t);
    x.data.upload(toHalf(dtype, xs));
    l.attn.forward({ data: x.data, dtype, shape: [t, hidden] }, { data: out.data, dtype, shape: [t, hidden] },
      { inputs: inputs.upload(batch, MAX_BLOCKS * BLOCK) });
    return { got: download(t), want };
  }

  it('matches the CPU MlaAttention over steps mixing prefill chunks and decodes', () => {
    const l = layers();
    const seqs = new PagedSequences(NUM_BLOCKS, BLOCK, MAX_BLOCKS);
    seqs.add(0, new Array(9).fill(0));
    seqs.add(1, new Array(30).fill(0));
    seqs.add(2, new Array(3).fill(0));
    const steps = [[{ id: 0, count: 7 }, { id: 1, count: 12 }], [{ id: 1, count: 17 }, { id: 0, count: 1 }, { id: 2, count: 3 }],
      [{ id: 0, count: 1 }, { id: 1, count: 1 }], [{ id: 0, count: 1 }, { id: 1, count: 1 }, { id: 2, count: 1 }]];
    steps.forEach((chunks, i) => {
      if (i === 3) for (const id of [0, 1, 2]) seqs.append(id, 0);
      const { got, want } = step(l, seqs.step(chunks), 10 + i);
      expect(relativeError(got, want)).toBeLessThan(tolerance);
    });
  });

  it('decodes a padded batch (padding rows write no slot) and replays it from a graph', () => {
    const l = layers();
    const seqs = new PagedSequences(NUM_BLOCKS, BLOCK, MAX_BLOCKS);
    seqs.add(0, new Array(6).fill(0));
    seqs.add(1, new Array(13).fill(0));
    step(l, seqs.step([{ id: 0, count: 5 }, { id: 1, count: 12 }]), 20);
    const batch = seqs.step([{ id: 0, count: 1 }, { id: 1, count: 1 }]);
    const xs = roundHalf(dtype, randomF32(4 * hidden, 21));
    const want = reference(l, batch, xs, 2);
    x.data.upload(toHalf(dtype, xs));
    const s = inputs.uploadPaddedDecode(batch, 4, MAX_BLOCKS * BLOCK);
    const forward = () => l.attn.forward({ data: x.data, dtype, shape: [4, hidden] },
      { data: out.data, dtype, shape: [4, hidden] }, { inputs: s });
    forward();
    const eager = download(2);
    expect(relativeError(eager, want)).toBeLessThan(tolerance);
    // The step again from a graph: it rewrites the same slots with the same latents, so the answer is the same.
    out.data.fill(0xff);
    const graph = addon().gpu.captureGraph(0, forward);
    graph.replay();
    expect(Array.from(download(2))).toEqual(Array.from(eager));
    graph.dispose();
  });
}
