import type { DeviceBuffer, DeviceTensorArg, GpuAddon } from '../../bindings/gpu.js';
import type { PositionLogprobs } from './logprobs.js';
import type { SampleResult } from './sampler.js';
import { DEFAULT_MAX_LOGPROBS } from './sampling-params.js';
import type { SamplingRow } from './sampling-row.js';
import { packDeviceSamplingStep, type DeviceSamplingStep } from './device-sampling-step.js';

export interface DeviceSamplerOptions {
  /** Rows per step at most (the engine's max_num_seqs). */
  readonly maxNumSeqs: number;
  /** Top logprobs a row may ask for at most. */
  readonly maxLogprobs?: number;
  readonly device?: number;
}

/**
 * The Sampler's step on device logits [n, vocabSize] f32: the per-row parameters and token lists go up packed in
 * one upload, the kernels (native/hip/sampling_*.h) process, filter and draw on the device, and only the token
 * ids and the requested logprobs come back, in one download. Seeded rows draw with their own Generator's uniform
 * (one per step, as on the host), so they pick the host Sampler's token up to float rounding. Like the Sampler it
 * edits the logits in place (the logits processors).
 */
export class DeviceSampler {
  private readonly maxLogprobs: number;
  private readonly device: number;
  private readonly results: DeviceBuffer;
  private params: DeviceBuffer;
  private rawRows: DeviceBuffer | null = null;
  private disposed = false;

  constructor(private readonly gpu: GpuAddon, readonly vocabSize: number, private readonly options: DeviceSamplerOptions) {
    this.maxLogprobs = options.maxLogprobs ?? DEFAULT_MAX_LOGPROBS;
    this.device = options.device ?? 0;
    const n = options.maxNumSeqs;
    this.results = new gpu.gpu.DeviceBuffer(4 * (n + 2 * n + 2 * n * this.maxLogprobs), this.device);
    this.params = new gpu.gpu.DeviceBuffer(4 * (16 * n + 1 + 1024), this.device);
  }

  sample(logits: DeviceTensorArg, rows: readonly SamplingRow[]): SampleResult[] {
    const n = rows.length, v = this.vocabSize;
    if (this.disposed) throw new Error('DeviceSampler: disposed');
    if (n === 0) return [];
    if (n > this.options.maxNumSeqs) throw new RangeError(`${n} rows, the sampler was made for ${this.options.maxNumSeqs}`);
    if (logits.dtype !== 'f32' || logits.shape.length !== 2 || logits.shape[1] !== v || logits.shape[0]! < n) {
      throw new RangeError(`logits must be f32 [>= ${n}, ${v}], got ${logits.dtype} [${logits.shape.join(', ')}]`);
    }
    const step = packDeviceSamplingStep(rows, this.maxLogprobs);
    const { ops } = this.gpu;
    const params = this.uploadParams(step);
    const view = (byteOffset: number, dtype: 'f32' | 'i32', shape: number[], data = params): DeviceTensorArg =>
      ({ data, dtype, shape, byteOffset });
    const w = step.words;
    const x: DeviceTensorArg = { ...logits, shape: [n, v] };
    const m = step.logprobRows.length, k = step.topK;
    const rowIndex = view(4 * w.rowIndex, 'i32', [m]);
    let logprobRows: DeviceTensorArg = x;
    if (step.gather) {
      logprobRows = { data: this.rawRowsBuffer(m), dtype: 'f32', shape: [m, v] };
      ops.gpuGatherRows(x, rowIndex, logprobRows);
    }
    if (step.processors) {
      ops.gpuApplyLogitsProcessors(x, {
        offsets: view(4 * w.offsets, 'i32', [4 * n + 1]), ids: view(4 * w.ids, 'i32', [step.numTokens]),
        values: view(4 * w.values, 'f32', [step.numTokens]), penalties: view(4 * w.penalties, 'f32', [n, 3]),
      });
    }
    const ids = view(0, 'i32', [n], this.results);
    ops.gpuSample(x, {
      temperature: view(4 * w.temperature, 'f32', [n]), topK: view(4 * w.topK, 'i32', [n]),
      topP: view(4 * w.topP, 'f32', [n]), minP: view(4 * w.minP, 'f32', [n]), uniform: view(4 * w.uniform, 'f32', [n]),
    }, ids);
    const tokenAt = n, topIdsAt = tokenAt + 2 * m, topLpAt = topIdsAt + m * k;
    if (m > 0) {
      ops.gpuLogprobs(logprobRows, { rowIndex, sampled: ids, gathered: step.gather }, {
        token: view(4 * tokenAt, 'f32', [m, 2], this.results), topIds: view(4 * topIdsAt, 'i32', [m, k], this.results),
        topLogprobs: view(4 * topLpAt, 'f32', [m, k], this.results),
      });
    }
    const out = new ArrayBuffer(4 * (topLpAt + m * k));
    this.results.download(out);
    const i32 = new Int32Array(out), f32 = new Float32Array(out);
    const logprobs: (PositionLogprobs | null)[] = new Array(n).fill(null);
    step.logprobRows.forEach((row, j) => {
      const top = Array.from({ length: Math.min(rows[row]!.params.logprobs!, v) }, (_, i) => ({
        tokenId: i32[topIdsAt + j * k + i]!, logprob: f32[topLpAt + j * k + i]!, rank: i + 1,
      }));
      logprobs[row] = { token: { tokenId: i32[row]!, logprob: f32[tokenAt + 2 * j]!, rank: f32[tokenAt + 2 * j + 1]! }, top };
    });
    return rows.map((_, i) => ({ tokenId: i32[i]!, logprobs: logprobs[i]! }));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.results.free();
    this.params.free();
    this.rawRows?.free();
  }

  private uploadParams(step: DeviceSamplingStep): DeviceBuffer {
    if (step.host.byteLength > this.params.byteLength) {
      this.params.free();
      this.params = new this.gpu.gpu.DeviceBuffer(Math.max(step.host.byteLength, 2 * this.params.byteLength), this.device);
    }
    this.params.upload(step.host);
    return this.params;
  }

  /** Raw copies of logprobs rows that the processors edit: grown on demand (at most maxNumSeqs rows of V). */
  private rawRowsBuffer(m: number): DeviceBuffer {
    const need = 4 * m * this.vocabSize;
    if (!this.rawRows || this.rawRows.byteLength < need) {
      this.rawRows?.free();
      const rowsWanted = Math.min(this.options.maxNumSeqs, Math.max(m, 2 * (this.rawRows?.byteLength ?? 0) / (4 * this.vocabSize)));
      this.rawRows = new this.gpu.gpu.DeviceBuffer(4 * Math.max(m, rowsWanted) * this.vocabSize, this.device);
    }
    return this.rawRows;
  }
}

