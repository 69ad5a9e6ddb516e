import type { CausalLM, DeviceLogitsSampler, ForwardBatch } from '../models/forward-batch.js';
import { Generator } from '../sampling/generator.js';
import { positionLogprobs, type PositionLogprobs } from '../sampling/logprobs.js';
import { Sampler } from '../sampling/sampler.js';
import type { SamplingKernels } from '../sampling/sampling-kernels.js';
import type { SamplingRow } from '../sampling/sampling-row.js';
import type { ModelRunner, RunnerTimings } from './model-runner.js';
import type { ModelRunnerOutput, ScheduledRequest, SchedulerOutput } from './scheduler-output.js';

export interface CausalLMRunnerConfig {
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  readonly maxModelLen: number;
  readonly blockSize: number;
  readonly eosTokenIds: readonly number[];
  readonly samplingKernels?: SamplingKernels;
}

/** The step reaches the request's last token, so it samples the next one (a prefill chunk short of it does not). */
function samplesThisStep(s: ScheduledRequest): boolean {
  return s.numComputedTokens + s.numScheduledTokens === s.request.numTokens;
}

/** A share needs logits at every scheduled position: it asks for prompt logprobs and has prompt left to score. */
function wantsPromptLogprobs(s: ScheduledRequest): boolean {
  return s.request.samplingParams.promptLogprobs !== null && s.numComputedTokens < s.request.numPromptTokens - 1;
}

/**
 * Runs a CausalLM for the scheduler: builds the ForwardBatch in buffers allocated once, runs the forward pass and
 * samples. Logits are computed for the last scheduled token of each sequence, and for every scheduled prompt token
 * of requests asking for prompt logprobs. A prefill chunk that stops short of the request's end samples nothing.
 */
export class CausalLMRunner implements ModelRunner {
  readonly vocabSize: number;
  readonly lastTimings: RunnerTimings = { prepareMs: 0, forwardMs: 0, sampleMs: 0 };
  private readonly maxBlocksPerSeq: number;
  private readonly tokenIds: Int32Array;
  private readonly positions: Int32Array;
  private readonly slotMapping: Int32Array;
  private readonly queryStartLoc: Int32Array;
  private readonly seqLens: Int32Array;
  private readonly blockTables: Int32Array;
  private readonly logitsIndices: Int32Array;
  /** First logits row of each sequence. */
  private readonly firstRow: Int32Array;
  private packed: Float32Array | null = null;
  private readonly sampler: Sampler;
  private readonly deviceSampler: DeviceLogitsSampler | null;
  private readonly generators = new Map<string, Generator>();

  constructor(readonly model: CausalLM, private readonly config: CausalLMRunnerConfig) {
    const { maxNumBatchedTokens: t, maxNumSeqs: s } = config;
    this.vocabSize = model.config.vocabSize;
    this.maxBlocksPerSeq = Math.ceil(config.maxModelLen / config.blockSize);
    this.tokenIds = new Int32Array(t);
    this.positions = new Int32Array(t);
    this.slotMapping = new Int32Array(t);
    this.logitsIndices = new Int32Array(t);
    this.queryStartLoc = new Int32Array(s + 1);
    this.seqLens = new Int32Array(s);
    this.firstRow = new Int32Array(s + 1);
    this.blockTables = new Int32Array(s * this.maxBlocksPerSeq);
    this.sampler = new Sampler(this.vocabSize, config.samplingKernels);
    this.deviceSampler = model.createDeviceSampler?.(s) ?? null;
  }

  execute(out: SchedulerOutput): ModelRunnerOutput {
    for (const id of out.finishedRequestIds) this.generators.delete(id);
    const t = this.lastTimings;
    t.prepareMs = t.forwardMs = t.sampleMs = 0;
    if (out.scheduled.length === 0) return { sampledTokenIds: [], logprobs: [], promptLogprobs: [] };
    const t0 = performance.now();
    const batch = this.prepare(out);
    const v = this.vocabSize;
    const t1 = performance.now();
    t.prepareMs = t1 - t0;
    const onDevice = this.deviceSampled(out, batch);
    if (onDevice) return onDevice;
    const logits = this.model.forward(batch);
    const t2 = performance.now();
    if (logits.length !== batch.logitsIndices.length * v) {
      throw new Error(`model returned ${logits.length} logits for ${batch.logitsIndices.length} rows of ${v}`);
    }

    const promptLogprobs = out.scheduled.map((s, b) => this.promptLogprobs(s, logits, this.firstRow[b]!));
    const sampling: number[] = [];
    const rows: SamplingRow[] = [];
    out.scheduled.forEach((s, b) => {
      if (!samplesThisStep(s)) return;
      sampling.push(b);
      rows.push(this.samplingRow(s));
    });
    const samples = this.sampler.sample(this.gatherRows(logits, sampling), rows);

    const sampledTokenIds: number[][] = out.scheduled.map(() => []);
    const logprobs: (PositionLogprobs | null)[] = out.scheduled.map(() => null);
    sampling.forEach((b, i) => {
      sampledTokenIds[b] = [samples[i]!.tokenId];
      logprobs[b] = samples[i]!.logprobs;
    });
    t.forwardMs = t2 - t1;
    t.sampleMs = performance.now() - t2;
    return { sampledTokenIds, logprobs, promptLogprobs };
  }

  dispose(): void {
    this.generators.clear();
    this.deviceSampler?.dispose();
    this.model.dispose();
  }

  /**
   * A step every scheduled sequence samples from, with no prompt logprobs, on a model that keeps logits on the
   * device: forward and sampling there, only ids and requested logprobs come back. Null: the host path serves it.
   */
  private deviceSampled(out: SchedulerOutput, batch: ForwardBatch): ModelRunnerOutput | null {
    if (!this.deviceSampler || !this.model.forwardDevice) return null;
    const allSample = out.scheduled.every((s) => samplesThisStep(s) && !wantsPromptLogprobs(s));
    if (!allSample) return null;
    const t1 = performance.now();
    const logits = this.model.forwardDevice(batch);
    if (!logits) return null;
    const t2 = performance.now();
    const samples = this.deviceSampler.sample(logits, out.scheduled.map((s) => this.samplingRow(s)));
    const t = this.lastTimings;
    t.forwardMs = t2 - t1;
    t.sampleMs = performance.now() - t2;
    return {
      sampledTokenIds: samples.map((s) => [s.tokenId]),
      logprobs: samples.map((s) => s.logprobs),
      promptLogprobs: out.scheduled.map(() => null),
    };
  }

  private prepare(out: SchedulerOutput): ForwardBatch {
    const bs = this.config.blockSize, maxBlocks = this.maxBlocksPerSeq;
    let t = 0, r = 0;
    out.scheduled.forEach((s, b) => {
      const { request } = s;
      const table = s.blockIds[0]!;
      const tokens = request.allTokenIds;
      this.queryStartLoc[b] = t;
      this.firstRow[b] = r;
      const wantsPrompt = wantsPromptLogprobs(s);
      for (let k = 0; k < s.numScheduledTokens; k++) {
        const p = s.numComputedTokens + k;
        this.tokenIds[t] = tokens[p]!;
        this.positions[t] = p;
        this.slotMapping[t] = table[Math.floor(p / bs)]! * bs + (p % bs);
        if (wantsPrompt) this.logitsIndices[r++] = t;
        t++;
      }
      if (!wantsPrompt) this.logitsIndices[r++] = t - 1;
      this.seqLens[b] = s.numComputedTokens + s.numScheduledTokens;
      if (table.length > maxBlocks) throw new Error(`request ${request.requestId} holds ${table.length} blocks, max ${maxBlocks}`);
      this.blockTables.set(table, b * maxBlocks);
      this.blockTables.fill(0, b * maxBlocks + table.length, (b + 1) * maxBlocks);
    });
    const n = out.scheduled.length;
    this.queryStartLoc[n] = t;
    this.firstRow[n] = r;
    return {
      numTokens: t,
      numSeqs: n,
      tokenIds: this.tokenIds.subarray(0, t),
      positions: this.positions.subarray(0, t),
      slotMapping: this.slotMapping.subarray(0, t),
      queryStartLoc: this.queryStartLoc.subarray(0, n + 1),
      seqLens: this.seqLens.subarray(0, n),
      blockTables: this.blockTables.subarray(0, n * maxBlocks),
      maxBlocksPerSeq: maxBlocks,
      logitsIndices: this.logitsIndices.subarray(0, r),
    };
  }

  /** Logprobs of the prompt tokens after each scheduled prompt position (from raw logits). */
  private promptLogprobs(s: ScheduledRequest, logits: Float32Array, firstRow: number): PositionLogprobs[] | null {
    const { request } = s;
    const k = request.samplingParams.promptLogprobs;
    if (k === null || !wantsPromptLogprobs(s)) return null;
    const v = this.vocabSize;
    const entries: PositionLogprobs[] = [];
    for (let i = 0; i < s.numScheduledTokens; i++) {
      const next = s.numComputedTokens + i + 1;
      if (next >= request.numPromptTokens) break;
      const row = logits.subarray((firstRow + i) * v, (firstRow + i + 1) * v);
      entries.push(positionLogprobs(row, request.promptTokenIds[next]!, k));
    }
    return entries;
  }

  /** The sampled sequences' last rows as one contiguous [rows, vocab] block (in place when already so). */
  private gatherRows(logits: Float32Array, sampling: readonly number[]): Float32Array {
    const v = this.vocabSize;
    const lastRow = (b: number): number => this.firstRow[b + 1]! - 1;
    if (sampling.every((b, i) => lastRow(b) === i)) return logits;
    this.packed ??= new Float32Array(this.config.maxNumSeqs * v);
    sampling.forEach((b, i) => this.packed!.set(logits.subarray(lastRow(b) * v, (lastRow(b) + 1) * v), i * v));
    return this.packed;
  }

  private samplingRow(s: ScheduledRequest): SamplingRow {
    const { request } = s;
    let generator = this.generators.get(request.requestId);
    if (!generator) {
      generator = new Generator(request.samplingParams.seed ?? Generator.randomSeed());
      this.generators.set(request.requestId, generator);
    }
    return {
      params: request.samplingParams,
      promptTokenIds: request.promptTokenIds,
      outputTokenIds: request.outputTokenIds,
      eosTokenIds: this.config.eosTokenIds,
      generator,
    };
  }
}
