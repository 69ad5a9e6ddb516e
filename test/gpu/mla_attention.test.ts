import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DeviceTensor } from '../../bindings/device-tensor.js';
import { attentionMetadata } from '../../src/layers/attention/attention-metadata.js';
import { MlaAttention } from '../../src/layers/attention/mla-attention.js';
import { latentDim, mlaDims } from '../../src/layers/attention/mla-dims.js';
import { MlaLatentCache } from '../../src/layers/attention/mla-latent-cache.js';
import { MlaRotary } from '../../src/layers/attention/mla-rotary.js';
import { MlaScratch } from '../../src/layers/attention/mla-scratch.js';
import { DeviceWeights } from '../../src/layers/gpu/device-weights.js';
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
import { MemoryWeights } from '../layers/memory-weights.js';
import { PagedSequences } from '../models/paged-sequences.js';
import { cpu, downloadHalf, gpuAddon, noGpu, relativeError, roundHalf, toHalf } from './helpers/gpu.js';

// The committed tiny DeepSeek-V3 (q LoRA, yarn with mscale, interleaved RoPE; H=4, L=32, R=8, nope=16, v=16),
// its weights rounded to bf16 so that the CPU (f32 activations) and the GPU (bf16) read the same values.
const FIXTURE = path.resolve('test/fixtures/models/deepseek_v3');
const PREFIX = 'model.layers.0.self_attn';
const [BLOCK, NUM_BLOCKS, MAX_BLOCKS, MAX_TOKENS] = [4, 24, 12, 48];

describe.skipIf(noGpu)('GpuMlaAttention (tiny DeepSeek-V3 fixture)', () => {
  const config = hfToModelConfig(readJsonFile(path.join(FIXTURE, 'config.json')), 'config.json');
  const dims = mlaDims(config);
  const hidden = config.hiddenSize;
  const stored = SafetensorsWeights.openFiles([path.join(FIXTURE, 'model.safetensors')]);
  const weights = new MemoryWeights();
  for (const name of stored.names().filter((n) => n.startsWith(PREFIX))) {
    const w = stored.get(name);
    weights.add(name, w.shape, weightAsF32(w), 'bf16');
  }
  const maxPos = config.maxPositionEmbeddings;
  // Device state, made once the suite runs (a skipped suite is still collected).
  let deviceWeights: DeviceWeights, scratch: GpuMlaScratch, latent: GpuLatentCache, inputs: GpuStepInputBuffer;
  let x: DeviceTensor, out: DeviceTensor;
  beforeAll(() => {
    const { gpu } = gpuAddon();
    deviceWeights = new DeviceWeights(gpu, weights, 'bf16');
    scratch = new GpuMlaScratch(gpu, dims, 'bf16', MAX_TOKENS);
    latent = new GpuLatentCache(gpu, 1, NUM_BLOCKS, BLOCK, latentDim(dims), 'bf16');
    inputs = new GpuStepInputBuffer(gpu, MAX_TOKENS, 8, MAX_BLOCKS);
    x = DeviceTensor.empty(gpu, 'bf16', [MAX_TOKENS, hidden]);
    out = DeviceTensor.empty(gpu, 'bf16', [MAX_TOKENS, hidden]);
  });
  afterAll(() => {
    for (const r of [deviceWeights, scratch, latent, inputs, x, out]) r?.dispose();
  });

  function layers() {
    const { ops } = gpuAddon();
    const ref = new MlaAttention(cpu, weights, PREFIX, config, dims, new MlaRotary(cpu, config, dims.qkRopeHeadDim, maxPos));
    ref.cache = new MlaLatentCache(NUM_BLOCKS, BLOCK, latentDim(dims));
    const attn = new GpuMlaAttention(ops, deviceWeights, PREFIX, config, dims,
      new GpuMlaRotary(deviceWeights, config, dims.qkRopeHeadDim, maxPos), scratch);
    attn.cache = latent.layers[0]!;
    return { ref, attn, cpuScratch: new MlaScratch(dims, MAX_TOKENS) };
  }

  /** One step on both: returns the GPU's output and the CPU's. */
  function step(l: ReturnType<typeof layers>, batch: ForwardBatch, seed: number, maxSeqLen = MAX_BLOCKS * BLOCK) {
    const t = batch.numTokens;
    const xs = roundHalf('bf16', randomF32(t * hidden, seed));
    const want = new Float32Array(t * hidden);
    l.ref.forward({ data: xs, dtype: 'f32', shape: [t, hidden] }, { data: want, dtype: 'f32', shape: [t, hidden] },
      { data: batch.positions, dtype: 'i32', shape: [t] }, attentionMetadata(batch), l.cpuScratch.views(t));
    x.data.upload(toHalf('bf16', xs));
    const s = inputs.upload(batch, maxSeqLen);
    l.attn.forward({ data: x.data, dtype: 'bf16', shape: [t, hidden] }, { data: out.data, dtype: 'bf16', shape: [t, hidden] },
      { inputs: s });
    const got = downloadHalf('bf16', out).subarray(0, t * hidden);
    return { got, want };
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
      expect(relativeError(got, want)).toBeLessThan(2e-2);
    });
  });

  it('decodes a padded batch (padding rows write no slot) and replays it from a graph', () => {
    const l = layers();
    const seqs = new PagedSequences(NUM_BLOCKS, BLOCK, MAX_BLOCKS);
    seqs.add(0, new Array(6).fill(0));
    seqs.add(1, new Array(13).fill(0));
    step(l, seqs.step([{ id: 0, count: 5 }, { id: 1, count: 12 }]), 20);
    const batch = seqs.step([{ id: 0, count: 1 }, { id: 1, count: 1 }]);
    const xs = roundHalf('bf16', randomF32(4 * hidden, 21));
    const want = new Float32Array(2 * hidden);
    l.ref.forward({ data: xs.subarray(0, 2 * hidden), dtype: 'f32', shape: [2, hidden] },
      { data: want, dtype: 'f32', shape: [2, hidden] }, { data: batch.positions, dtype: 'i32', shape: [2] },
      attentionMetadata(batch), l.cpuScratch.views(2));
    x.data.upload(toHalf('bf16', xs));
    const s = inputs.uploadPaddedDecode(batch, 4, MAX_BLOCKS * BLOCK);
    const forward = () => l.attn.forward({ data: x.data, dtype: 'bf16', shape: [4, hidden] },
      { data: out.data, dtype: 'bf16', shape: [4, hidden] }, { inputs: s });
    forward();
    const eager = downloadHalf('bf16', out).slice(0, 2 * hidden);
    expect(relativeError(eager, want)).toBeLessThan(2e-2);
    // The step again from a graph: it rewrites the same slots with the same latents, so the answer is the same.
    out.data.fill(0xff);
    const graph = gpuAddon().gpu.captureGraph(0, forward);
    graph.replay();
    expect(Array.from(downloadHalf('bf16', out).subarray(0, 2 * hidden))).toEqual(Array.from(eager));
    graph.dispose();
  });
});
