/**
 * GPU decode benchmark: `node dist/src/bench/gpu-decode.js --model DIR [--batch 1,8,64,256] [--prompt-len 128]
 * [--steps 64] [--max-model-len 4096] [--reference summary.json] [--json FILE] [--eager] [--profile-steps N]`.
 *
 * --profile-steps N brackets decode steps 3 … N + 2 of each batch with the profiler's start/stop, for
 * `ncu --profile-from-start off` (per-kernel times of whole steps, without the load and the prefill).
 *
 * Fills `batch` sequences with random prompts, then times `steps` decode steps of all of them (the model's forward
 * with graphs unless --eager, a greedy pick per row on the device, the ids' copy to the host). Each step must read every
 * weight once (the embedding table only for the batch's rows; of an MoE layer's routed experts only those its tokens
 * chose, counted from the last timed step's routing) and each sequence's KV cache: that many bytes divided by the
 * device-to-device copy bandwidth is the step's HBM limit; tokens/s is reported beside it and, with --reference
 * (written by test/gpu/models/make_gpu_references.py in the same device run), beside the measured copy bandwidth and
 * transformers' generate on the same weights.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { DeviceTensor } from '../../bindings/device-tensor.js';
import { loadGpuAddon } from '../../bindings/gpu.js';
import type { CausalLM, ForwardBatch } from '../models/forward-batch.js';
import { loadCausalLM } from '../models/load-causal-lm.js';
import type { WeightSource } from '../loader/weights.js';
import { moeConfig } from '../layers/fused-moe-config.js';
import { jsSamplingKernels } from '../sampling/js-sampling-kernels.js';
import { environment } from './environment.js';
import type { KernelResult } from './kernels.js';
import { median } from './stats.js';
import { benchResult, writeResult } from './write-result.js';

interface Reference {
  copy_gbps?: number;
  hf_generate_tok_s?: Record<string, number>;
  /** transformers' generate per model folder name (the MoE benchmark model). */
  hf_generate_tok_s_by_model?: Record<string, Record<string, number>>;
}

export interface GpuDecodeRow {
  batch: number;
  context: number;
  stepMs: number;
  tokensPerSecond: number;
  bytesPerStep: number;
  hbmLimitMs: number | null;
  fractionOfHbmLimit: number | null;
  hfGenerateTokensPerSecond: number | null;
  /** MoE models: routed experts the last step read, averaged over the sparse layers (null for dense models). */
  expertsReadPerLayer: number | null;
}

const BLOCK_SIZE = 16;

/** Routed experts' weights: per-expert (`…experts.3.gate_proj.weight`) or fused (`…experts.gate_up_proj`). */
const isRoutedExpert = (name: string): boolean => name.includes('.experts.');

/**
 * Bytes of weights one decode step reads: every weight once (the embedding table only at the batch's rows) except
 * the routed experts, of which only `expertsRead` (summed over the sparse layers) are read, each expert's share of
 * its layer's expert weights.
 */
function weightBytesPerStep(weights: WeightSource, batch: number, hiddenSize: number,
  routing: { numExperts: number; sparseLayers: number; expertsRead: number } | null): number {
  let bytes = 0, expertBytes = 0;
  for (const name of weights.names()) {
    const w = weights.get(name);
    const n = w.shape.reduce((a, b) => a * b, 1);
    // The GPU model stores every weight in bf16/f16; the embedding table is read only at the batch's rows.
    if (routing && isRoutedExpert(name)) expertBytes += n * 2;
    else bytes += name === 'model.embed_tokens.weight' && weights.has('lm_head.weight') ? batch * hiddenSize * 2 : n * 2;
  }
  if (!routing) return bytes;
  return bytes + routing.expertsRead * expertBytes / (routing.numExperts * routing.sparseLayers);
}

/** Distinct experts each sparse layer's routing names ([layer][token · k] ids). */
function expertsRead(routing: readonly Int32Array[]): number {
  return routing.reduce((sum, ids) => sum + new Set(ids).size, 0);
}

/** The GPU model's per-layer routing of its last step, where the model has one. */
function lastStepRouting(model: CausalLM): Int32Array[] | null {
  const m = model as Partial<{ lastStepRouting(): Int32Array[] }>;
  const routing = m.lastStepRouting?.() ?? [];
  return routing.length > 0 ? routing : null;
}

/**
 * The next `count` tokens of each sequence as one step. Sequences own contiguous blocks: sequence firstSeq + s owns
 * blocks [1 + (firstSeq + s)·m, …) (block 0 stays unused).
 */
function decodeBatch(tokens: Int32Array[], lengths: number[], maxBlocks: number, count: number, firstSeq = 0): ForwardBatch {
  const n = tokens.length;
  const numTokens = n * count;
  const b = { tokenIds: new Int32Array(numTokens), positions: new Int32Array(numTokens), slotMapping: new Int32Array(numTokens),
    queryStartLoc: new Int32Array(n + 1), seqLens: new Int32Array(n), blockTables: new Int32Array(n * maxBlocks),
    logitsIndices: new Int32Array(n) };
  let t = 0;
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < maxBlocks; j++) b.blockTables[s * maxBlocks + j] = 1 + (firstSeq + s) * maxBlocks + j;
    for (let k = 0; k < count; k++, t++) {
      const p = lengths[s]! + k;
      b.tokenIds[t] = tokens[s]![p]!;
      b.positions[t] = p;
      b.slotMapping[t] = b.blockTables[s * maxBlocks + Math.floor(p / BLOCK_SIZE)]! * BLOCK_SIZE + (p % BLOCK_SIZE);
    }
    lengths[s]! += count;
    b.queryStartLoc[s + 1] = t;
    b.seqLens[s] = lengths[s]!;
    b.logitsIndices[s] = t - 1;
  }
  return { numTokens, numSeqs: n, maxBlocksPerSeq: maxBlocks, ...b };
}

/**
 * One greedy decode step as the engine runs it on a GPU: logits stay on the device, the argmax runs there, only the
 * ids come back (models without device logits: the host's logits and a host argmax).
 */
function greedyStep(model: CausalLM, fb: ForwardBatch, ids: { device: DeviceTensor | null; host: Int32Array }): void {
  const logits = model.forwardDevice?.(fb);
  if (logits && ids.device) {
    const gpu = loadGpuAddon()!;
    const out = { ...ids.device, shape: [fb.numSeqs] };
    gpu.ops.gpuArgmax(logits, out);
    out.data.download(ids.host.subarray(0, fb.numSeqs));
    return;
  }
  jsSamplingKernels.argmax(model.forward(fb), fb.numSeqs, model.config.vocabSize, ids.host);
}

/** A row as the dashboard's kernels trend reads it: tokens/s beside the HBM limit's tokens/s. */
function decodeKernelResult(r: GpuDecodeRow, eager: boolean): KernelResult {
  const limitTokS = r.hbmLimitMs ? (r.batch * 1000) / r.hbmLimitMs : null;
  return { name: `decode step${eager ? ' (eager)' : ''}`, shape: [r.batch, r.context], dtype: 'bf16', threads: 0,
    metric: 'tok/s', value: r.tokensPerSecond, best: r.tokensPerSecond, seconds: r.stepMs / 1000,
    reference: limitTokS === null ? null
      : { name: 'HBM limit', metric: 'tok/s', value: limitTokS, percent: 100 * (r.fractionOfHbmLimit ?? 0) } };
}

export function benchDecode(model: CausalLM, weights: WeightSource, batch: number, promptLen: number, steps: number,
  maxNumBatchedTokens: number, ref: Reference, profileSteps = 0,
  hfRate: Record<string, number> | undefined = ref.hf_generate_tok_s): GpuDecodeRow {
  const c = model.config, v = c.vocabSize;
  const maxLen = promptLen + steps + 1;
  const maxBlocks = Math.ceil(maxLen / BLOCK_SIZE);
  const tokens = Array.from({ length: batch }, (_, s) =>
    Int32Array.from({ length: maxLen }, (_, i) => (i === 0 ? 1 : 3 + ((i * 7919 + s * 104729) % (v - 3)))));
  const lengths = new Array<number>(batch).fill(0);
  const perStep = Math.max(1, Math.floor(maxNumBatchedTokens / promptLen));
  for (let s = 0; s < batch; s += perStep) {  // prefill, a few sequences per step
    const group = tokens.slice(s, s + perStep), glen = lengths.slice(s, s + perStep);
    model.forward(decodeBatch(group, glen, maxBlocks, promptLen, s));
    glen.forEach((x, i) => { lengths[s + i] = x; });
  }
  const gpu = loadGpuAddon();
  const ids = { device: gpu && model.forwardDevice ? DeviceTensor.empty(gpu.gpu, 'i32', [batch]) : null,
    host: new Int32Array(batch) };
  const times: number[] = [];
  for (let k = 0; k < steps; k++) {
    const fb = decodeBatch(tokens, lengths, maxBlocks, 1);
    const profiled = gpu !== null && k >= 2 && k < 2 + profileSteps;
    if (profiled) gpu.gpu.profilerCollect(true);
    const t0 = performance.now();
    greedyStep(model, fb, ids);
    times.push(performance.now() - t0);
    if (profiled) gpu.gpu.profilerCollect(false);
  }
  ids.device?.dispose();
  const routing = lastStepRouting(model);
  const read = routing ? expertsRead(routing) : 0;
  const moe = routing ? { numExperts: numExpertsOf(c), sparseLayers: routing.length, expertsRead: read } : null;
  const stepMs = median(times.slice(2));
  const context = promptLen + steps / 2;
  const kvBytes = batch * context * c.numHiddenLayers * 2 * c.numKeyValueHeads * c.headDim * 2;
  const bytesPerStep = weightBytesPerStep(weights, batch, c.hiddenSize, moe) + kvBytes;
  const hbmLimitMs = ref.copy_gbps ? bytesPerStep / (ref.copy_gbps * 1e6) : null;
  return {
    batch, context, stepMs, tokensPerSecond: (batch * 1000) / stepMs, bytesPerStep, hbmLimitMs,
    fractionOfHbmLimit: hbmLimitMs ? hbmLimitMs / stepMs : null,
    hfGenerateTokensPerSecond: hfRate?.[String(batch)] ?? null,
    expertsReadPerLayer: routing ? read / routing.length : null,
  };
}

function numExpertsOf(config: CausalLM['config']): number {
  return moeConfig(config).numExperts;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    model: { type: 'string' }, batch: { type: 'string', default: '1,8,64,256' }, 'prompt-len': { type: 'string', default: '128' },
    steps: { type: 'string', default: '64' }, reference: { type: 'string' }, json: { type: 'string' },
    eager: { type: 'boolean', default: false }, 'max-model-len': { type: 'string', default: '4096' },
    'profile-steps': { type: 'string', default: '0' },
  } });
  if (!values.model) throw new Error('--model DIR is required');
  const batches = values.batch.split(',').map(Number);
  const promptLen = Number(values['prompt-len']), steps = Number(values.steps);
  const ref: Reference = values.reference ? JSON.parse(readFileSync(values.reference, 'utf8')) as Reference : {};
  const maxNumBatchedTokens = 2048;
  const t0 = performance.now();
  const { model, files, platform } = await loadCausalLM(values.model, { maxNumBatchedTokens, maxModelLen: Number(values['max-model-len']),
    maxNumSeqs: Math.max(...batches), enforceEager: values.eager });
  console.log(`loaded ${values.model} on ${platform.name} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const maxBatch = Math.max(...batches);
  model.allocateKvCache(1 + maxBatch * Math.ceil((promptLen + steps + 1) / BLOCK_SIZE), BLOCK_SIZE);
  const hfRate = ref.hf_generate_tok_s_by_model?.[path.basename(path.resolve(values.model))] ?? ref.hf_generate_tok_s;
  const rows = batches.map((b) => benchDecode(model, files.weights, b, promptLen, steps, maxNumBatchedTokens, ref,
    Number(values['profile-steps']), hfRate));
  console.log(`copy bandwidth ${ref.copy_gbps?.toFixed(0) ?? '?'} GB/s (device-to-device, read + write)` +
    `${values.eager ? ', eager (no graphs)' : ', decode steps from graphs'}`);
  console.log('batch  context  step ms   tok/s     GB/step  HBM-limit ms  of limit  HF generate tok/s  experts/layer');
  for (const r of rows) {
    console.log(`${String(r.batch).padStart(5)}  ${String(r.context).padStart(7)}  ${r.stepMs.toFixed(3).padStart(7)}  ` +
      `${r.tokensPerSecond.toFixed(0).padStart(7)}  ${(r.bytesPerStep / 1e9).toFixed(2).padStart(9)}  ` +
      `${r.hbmLimitMs?.toFixed(3).padStart(12) ?? '           ?'}  ${r.fractionOfHbmLimit ? (100 * r.fractionOfHbmLimit).toFixed(1).padStart(7) + '%' : '       ?'}  ` +
      `${(r.hfGenerateTokensPerSecond?.toFixed(0) ?? '?').padStart(17)}  ${r.expertsReadPerLayer?.toFixed(1) ?? '-'}`);
  }
  if (values.json) {
    const gpu = loadGpuAddon();
    const hardware = gpu ? gpu.gpu.deviceInfo(0).name : null;
    writeResult(values.json, benchResult('kernels', {
      label: `gpu-decode${values.eager ? ' eager' : ''}`,
      config: { model: values.model, platform: platform.name, eager: values.eager, promptLen, steps, batches,
        copyGbps: ref.copy_gbps ?? null },
      environment: environment({ hardware }), model: { id: model.config.architecture, path: values.model },
      results: { kernels: rows.map((r) => decodeKernelResult(r, values.eager)), rows },
    }));
  }
  model.dispose();
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
