/**
 * The GPU part of the addon, present only in builds with a GPU backend (HIPSERVE_GPU=cuda|rocm): device
 * discovery, the caching allocator, device buffers, and the GPU kernel entries (ops.gpu*, see native/hip/*.h).
 */
import { loadAddon, type AttentionOptions, type NativeAddon } from './addon.js';
import type { DType } from './dtype.js';

/** Device memory from the caching allocator. Copies wait for the device; `free()` returns it to the cache. */
export interface DeviceBuffer {
  readonly byteLength: number;
  readonly device: number;
  upload(src: ArrayBufferView | ArrayBuffer, byteOffset?: number): void;
  download(dst: ArrayBufferView | ArrayBuffer, byteOffset?: number): void;
  /** Sets every byte (to poison an output before a kernel writes it). */
  fill(byte: number): void;
  free(): void;
}

/** A tensor in device memory as the GPU entries take it. */
export interface DeviceTensorArg {
  readonly data: DeviceBuffer;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides?: readonly number[];
  readonly byteOffset?: number;
}

export interface DeviceInfo {
  name: string;
  /** "sm_90", "gfx942", ... */
  arch: string;
  vendor: 'cuda' | 'rocm';
  waveSize: number;
  computeUnits: number;
  maxSharedPerBlock: number;
  matrixCores: boolean;
  totalBytes: number;
  freeBytes: number;
}

export interface AllocatorStats {
  allocatedBytes: number;
  reservedBytes: number;
  peakAllocatedBytes: number;
  deviceMallocs: number;
  cacheHits: number;
}

export interface NativeGpu {
  readonly vendor: 'cuda' | 'rocm';
  deviceCount(): number;
  deviceInfo(device: number): DeviceInfo;
  synchronize(device: number): void;
  allocatorStats(device: number): AllocatorStats;
  /** Returns every cached (freed) block to the driver. */
  emptyCache(): void;
  readonly DeviceBuffer: new (byteLength: number, device?: number) => DeviceBuffer;
  /** Records the ops `enqueue` issues on the device's stream into a graph (nothing runs while capturing). */
  captureGraph(device: number, enqueue: () => void): GpuGraph;
}

/** A captured sequence of GPU ops, replayed with the device addresses it was captured with. */
export interface GpuGraph {
  /** Enqueues the whole graph on the device's stream. */
  replay(): void;
  dispose(): void;
}

/** Per-head RMSNorm of q and k (weights [D]) applied before the rotation (Qwen3, GLM-4.5). */
export interface QkNormArg {
  q: DeviceTensorArg;
  k: DeviceTensorArg;
  eps: number;
}

/** What rotary embedding also writes to the paged KV cache when given. */
export interface KvCacheWriteArg {
  value: DeviceTensorArg;
  keyCache: DeviceTensorArg;
  valueCache: DeviceTensorArg;
  slotMapping: DeviceTensorArg;
}

export interface DeviceAttentionOptions extends Omit<AttentionOptions, 'sinks'> {
  sinks?: DeviceTensorArg;
}

/** Per-row parameters of gpuSample, each [B]: temperature f32 (<= 0 greedy), topK i32, topP/minP/uniform f32. */
export interface DeviceSampleParams {
  temperature: DeviceTensorArg;
  topK: DeviceTensorArg;
  topP: DeviceTensorArg;
  minP: DeviceTensorArg;
  uniform: DeviceTensorArg;
}

/**
 * Token lists of gpuApplyLogitsProcessors (native/hip/sampling_logits_processors.h): offsets [4B + 1] i32 into
 * ids [T] i32 / values [T] f32 (allowed, masked, biased, penalized per row), penalties [B, 3] f32.
 */
export interface DeviceLogitsProcessorArgs {
  offsets: DeviceTensorArg;
  ids: DeviceTensorArg;
  values: DeviceTensorArg;
  penalties: DeviceTensorArg;
}

/** Which rows gpuLogprobs reads: rows[m] when gathered, else rows[rowIndex[m]]; token = sampled[rowIndex[m]]. */
export interface DeviceLogprobsInput {
  rowIndex: DeviceTensorArg;
  sampled: DeviceTensorArg;
  gathered?: boolean;
}

/** gpuLogprobs outputs: token [M, 2] f32 (logprob, rank), topIds [M, K] i32, topLogprobs [M, K] f32. */
export interface DeviceLogprobsOutput {
  token: DeviceTensorArg;
  topIds: DeviceTensorArg;
  topLogprobs: DeviceTensorArg;
}

/** The GPU entries; each waits for its kernels, so device faults reject the call that caused them. */
export interface GpuOps {
  gpuRmsNorm(x: DeviceTensorArg, weight: DeviceTensorArg, eps: number, out: DeviceTensorArg): void;
  gpuFusedAddRmsNorm(x: DeviceTensorArg, residual: DeviceTensorArg, weight: DeviceTensorArg, eps: number): void;
  gpuSiluAndMul(x: DeviceTensorArg, out: DeviceTensorArg): void;
  gpuGeluTanhAndMul(x: DeviceTensorArg, out: DeviceTensorArg): void;
  gpuEmbedding(ids: DeviceTensorArg, table: DeviceTensorArg, out: DeviceTensorArg): void;
  gpuRotaryEmbedding(positions: DeviceTensorArg, q: DeviceTensorArg, k: DeviceTensorArg, cosSinCache: DeviceTensorArg,
    headSize: number, isNeox: boolean, cache?: KvCacheWriteArg, qkNorm?: QkNormArg): void;
  /** out [T, N] = x [T, K] · w [N, K]ᵀ (+ bias [N]) through hipBLASLt/cuBLASLt; out in x's dtype or f32. */
  gpuMatmul(x: DeviceTensorArg, w: DeviceTensorArg, bias: DeviceTensorArg | null, out: DeviceTensorArg): void;
  /** Paged attention for mixed prefill/extend/decode batches (the CPU pagedAttention's semantics). */
  gpuPagedAttention(q: DeviceTensorArg, keyCache: DeviceTensorArg, valueCache: DeviceTensorArg,
    queryStartLoc: DeviceTensorArg, seqLens: DeviceTensorArg, blockTables: DeviceTensorArg, maxQueryLen: number,
    maxSeqLen: number, options: DeviceAttentionOptions, out: DeviceTensorArg): void;
  gpuPagedDecodeAttention(q: DeviceTensorArg, keyCache: DeviceTensorArg, valueCache: DeviceTensorArg,
    seqLens: DeviceTensorArg, blockTables: DeviceTensorArg, maxSeqLen: number, options: DeviceAttentionOptions,
    out: DeviceTensorArg): void;
  gpuArgmax(logits: DeviceTensorArg, out: DeviceTensorArg): void;
  gpuTopKTopPMinP(logits: DeviceTensorArg, topK: DeviceTensorArg, topP: DeviceTensorArg, minP: DeviceTensorArg): void;
  gpuSampleCategorical(logits: DeviceTensorArg, uniform: DeviceTensorArg, out: DeviceTensorArg): void;
  gpuSample(logits: DeviceTensorArg, params: DeviceSampleParams, out: DeviceTensorArg): void;
  gpuApplyLogitsProcessors(logits: DeviceTensorArg, args: DeviceLogitsProcessorArgs): void;
  gpuLogprobs(rows: DeviceTensorArg, input: DeviceLogprobsInput, output: DeviceLogprobsOutput): void;
  gpuGatherRows(src: DeviceTensorArg, rowIndex: DeviceTensorArg, dst: DeviceTensorArg): void;
}

type Promisified<T> = { [K in keyof T]: T[K] extends (...args: infer A) => void ? (...args: A) => Promise<void> : never };

export interface GpuAddon {
  readonly gpu: NativeGpu;
  readonly ops: GpuOps;
  readonly opsAsync: Promisified<GpuOps>;
}

/** The GPU part of the loaded addon, or null when it was built without a GPU backend. */
export function loadGpuAddon(addon: NativeAddon = loadAddon()): GpuAddon | null {
  const withGpu = addon as NativeAddon & { gpu?: NativeGpu };
  if (!withGpu.gpu) return null;
  return { gpu: withGpu.gpu, ops: addon.ops as unknown as GpuOps, opsAsync: addon.opsAsync as unknown as Promisified<GpuOps> };
}
