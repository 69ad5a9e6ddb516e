/**
 * The GPU part of the addon, present only in builds with a GPU backend (HIPSERVE_GPU=cuda|rocm): device
 * discovery, the caching allocator, device buffers, and the GPU kernel entries (ops.gpu*, see native/hip/*.h).
 */
import { loadAddon, type AttentionOptions, type FusedMoeOptions, type MoeRouteOptions, type NativeAddon } from './addon.js';
import type { DType } from './dtype.js';

/**
 * Device memory from the caching allocator; `free()` returns it to the cache. Every copy is ordered with the ops on
 * the device's default stream.
 */
export interface DeviceBuffer {
  readonly byteLength: number;
  readonly device: number;
  /** Copies host bytes in after the work already enqueued, and waits (`src` may change on return). */
  upload(src: ArrayBufferView | ArrayBuffer, byteOffset?: number): void;
  /**
   * Waits for the work enqueued so far, copies the bytes out, and throws the coded error (HS_OUT_OF_BOUNDS) of any
   * kernel fault raised since the last check, so a result a fault produced is not read silently.
   */
  download(dst: ArrayBufferView | ArrayBuffer, byteOffset?: number): void;
  /** Enqueues a device-to-device copy from `src` (same device, ranges must not overlap); does not wait. */
  copyFrom(src: DeviceBuffer, byteLength: number, dstOffset?: number, srcOffset?: number): void;
  /** Enqueues setting every byte (to poison an output before a kernel writes it); does not wait. */
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
  /** Held by graphs' private pools (in use or cached); part of reservedBytes, untouched by emptyCache. */
  graphPoolBytes: number;
}

/**
 * Work recorded once by `gpu.captureGraph` and replayed with one launch. The recorded kernels keep the addresses
 * they were given: change the contents of their inputs between replays (upload, copyFrom), never the buffers.
 */
export interface GpuGraph {
  readonly device: number;
  readonly disposed: boolean;
  /** Enqueues the recorded work on the device's default stream; does not wait. Throws HS_INVALID_ARGUMENT after dispose. */
  replay(): void;
  /** Waits for replays in flight and frees the graph; its private memory pool joins the general cache. */
  dispose(): void;
}

export interface MemInfo {
  freeBytes: number;
  totalBytes: number;
}

export interface NativeGpu {
  readonly vendor: 'cuda' | 'rocm';
  deviceCount(): number;
  deviceInfo(device: number): DeviceInfo;
  /** Free and total device memory now (for sizing the KV cache after weights and graphs are in place). */
  memGetInfo(device: number): MemInfo;
  /**
   * Waits for the device's default stream and the rest of the device, then throws the coded error of any kernel
   * fault (HS_OUT_OF_BOUNDS: an index read from device memory was out of range) raised since the last check.
   */
  synchronize(device: number): void;
  /** Starts/stops profiler collection (run under `ncu --profile-from-start off`): brackets what to profile. */
  profilerCollect(active: boolean): void;
  allocatorStats(device: number): AllocatorStats;
  /** Returns every cached (freed) block to the driver. */
  emptyCache(): void;
  readonly DeviceBuffer: new (byteLength: number, device?: number) => DeviceBuffer;
  /**
   * Records what `record` enqueues on the device's default stream (synchronous `ops` calls, `fill`, `copyFrom`)
   * into a graph, without running it. Memory allocated meanwhile (DeviceBuffers, op temporaries) comes from a pool
   * private to the graph, so no later allocation can take an address the graph writes to. Inside `record`, calls
   * that wait (synchronize, upload, download) throw HS_INVALID_ARGUMENT; if `record` throws, the capture is
   * discarded and the error rethrown. One capture at a time per device.
   */
  captureGraph(device: number, record: () => void): GpuGraph;
}

/**
 * Per-head RMSNorm of q and k (weights [D]) applied before the rotation (Qwen3, GLM-4.5), in the rotary kernel's
 * pass: each head's D values become x / sqrt(mean(x²) + eps) * weight, rounded to q's dtype; weights in q's dtype.
 */
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

/**
 * The GPU entries. Each checks its arguments (bad ones throw at the call) and enqueues its kernels on the device's
 * default stream without waiting; kernel faults surface at the next `gpu.synchronize` or `DeviceBuffer.download`.
 * The `opsAsync` twins resolve once the kernels are enqueued.
 */
export interface GpuOps {
  gpuRmsNorm(x: DeviceTensorArg, weight: DeviceTensorArg, eps: number, out: DeviceTensorArg): void;
  gpuFusedAddRmsNorm(x: DeviceTensorArg, residual: DeviceTensorArg, weight: DeviceTensorArg, eps: number): void;
  gpuSiluAndMul(x: DeviceTensorArg, out: DeviceTensorArg): void;
  gpuGeluTanhAndMul(x: DeviceTensorArg, out: DeviceTensorArg): void;
  gpuEmbedding(ids: DeviceTensorArg, table: DeviceTensorArg, out: DeviceTensorArg): void;
  gpuRotaryEmbedding(positions: DeviceTensorArg, q: DeviceTensorArg, k: DeviceTensorArg, cosSinCache: DeviceTensorArg,
    headSize: number, isNeox: boolean, cache?: KvCacheWriteArg, qkNorm?: QkNormArg): void;
  /**
   * out [T, N] = x [T, K] · w [N, K]ᵀ (+ bias [N]); out in x's dtype or f32. T <= 8 with N·K <= 4096²: the GEMV
   * kernel (native/hip/gemv.h), else hipBLASLt/cuBLASLt (the rule: native/hip/linear.h).
   */
  gpuMatmul(x: DeviceTensorArg, w: DeviceTensorArg, bias: DeviceTensorArg | null, out: DeviceTensorArg,
    options?: DeviceMatmulOptions): void;
  /**
   * The MLP's down projection fused with its activation: out [T, N] = act(x2[:, :I]) * x2[:, I:] · w [N, I]ᵀ
   * (+ bias) for x2 [T, 2I] (gate | up), act(gate) * up rounded to the dtype as gpuSiluAndMul/gpuGeluTanhAndMul
   * store it. Any T. Automatic: the activation kernel into a temporary, then gpuMatmul's choice (faster than the
   * fused kernel on an H200); path 'gemv': one fused GEMV kernel (T <= 16); 'blas': activation + the BLAS GEMM.
   */
  gpuGatedMatmul(x2: DeviceTensorArg, activation: 'silu' | 'gelu_tanh', w: DeviceTensorArg,
    bias: DeviceTensorArg | null, out: DeviceTensorArg, options?: DeviceMatmulOptions): void;
  /** Paged attention for mixed prefill/extend/decode batches (the CPU pagedAttention's semantics). */
  gpuPagedDecodeAttention(q: DeviceTensorArg, keyCache: DeviceTensorArg, valueCache: DeviceTensorArg,
    seqLens: DeviceTensorArg, blockTables: DeviceTensorArg, maxSeqLen: number, options: DeviceAttentionOptions,
    out: DeviceTensorArg): void;
  /**
   * Paged attention for a batch mixing prefill chunks, extends and decodes (flash-attention on matrix cores):
   * q [T, Hq, D]; sequence b owns tokens [queryStartLoc[b], queryStartLoc[b+1]), the last of its seqLens[b]
   * tokens of context, and attends causally. maxQueryLen and maxSeqLen bound the device metadata (the launch
   * depends only on them); bad metadata surfaces as HS_OUT_OF_BOUNDS at the next synchronization.
   */
  gpuPagedAttention(q: DeviceTensorArg, keyCache: DeviceTensorArg, valueCache: DeviceTensorArg,
    queryStartLoc: DeviceTensorArg, seqLens: DeviceTensorArg, blockTables: DeviceTensorArg, maxQueryLen: number,
    maxSeqLen: number, options: DeviceAttentionOptions, out: DeviceTensorArg): void;
  gpuArgmax(logits: DeviceTensorArg, out: DeviceTensorArg): void;
  gpuTopKTopPMinP(logits: DeviceTensorArg, topK: DeviceTensorArg, topP: DeviceTensorArg, minP: DeviceTensorArg): void;
  gpuSampleCategorical(logits: DeviceTensorArg, uniform: DeviceTensorArg, out: DeviceTensorArg): void;
  gpuSample(logits: DeviceTensorArg, params: DeviceSampleParams, out: DeviceTensorArg): void;
  gpuApplyLogitsProcessors(logits: DeviceTensorArg, args: DeviceLogitsProcessorArgs): void;
  gpuLogprobs(rows: DeviceTensorArg, input: DeviceLogprobsInput, output: DeviceLogprobsOutput): void;
  gpuGatherRows(src: DeviceTensorArg, rowIndex: DeviceTensorArg, dst: DeviceTensorArg): void;
  /** logits [T, E] f32, bf16 or f16; as the CPU's moeRoute. */
  gpuMoeRoute(logits: DeviceTensorArg, correctionBias: DeviceTensorArg | null, options: MoeRouteOptions,
    topkIds: DeviceTensorArg, topkWeights: DeviceTensorArg): void;
  /** As the CPU's fusedMoe with x, w13, w2 and out of one dtype (bf16 or f16); see native/hip/moe_fused.h. */
  gpuFusedMoe(x: DeviceTensorArg, w13: DeviceTensorArg, b13: DeviceTensorArg | null, w2: DeviceTensorArg,
    b2: DeviceTensorArg | null, topkIds: DeviceTensorArg, topkWeights: DeviceTensorArg, options: DeviceFusedMoeOptions,
    out: DeviceTensorArg): void;
  /**
   * Latent attention (DeepSeek-V3, Kimi-K2) in the absorbed form over a paged latent cache (native/hip/mla_decode.h):
   * q [T, H, R + L] (roped q_pe, then q_nope·W_UK), latentCache [numBlocks, blockSize, (1,) R + L] (roped k_pe, then
   * normalized c_kv), out [T, H, L] = softmax(q·latentᵀ·scale)·latent[:, R:]. Sequences and causality as for
   * gpuPagedAttention (decode steps, prefill chunks and mixes); maxQueryLen and maxSeqLen bound the device metadata.
   */
  gpuMlaAttention(q: DeviceTensorArg, latentCache: DeviceTensorArg, queryStartLoc: DeviceTensorArg,
    seqLens: DeviceTensorArg, blockTables: DeviceTensorArg, maxQueryLen: number, maxSeqLen: number,
    options: DeviceMlaOptions, out: DeviceTensorArg): void;
  /**
   * Per token: latentCache[slotMapping[t]] = [rope(k_pe) | rmsNorm(c_kv)·kvNormWeight] from kv [T, L + R] (c_kv then
   * k_pe), and qAbs[t, h, :R] = rope(q_pe) from q [T, H, nope + R]; cosSinCache [maxPosition, R] f32
   * (native/hip/mla_rope_cache.h).
   */
  gpuMlaRopeCache(positions: DeviceTensorArg, q: DeviceTensorArg, kv: DeviceTensorArg, kvNormWeight: DeviceTensorArg,
    eps: number, cosSinCache: DeviceTensorArg, isNeox: boolean, slotMapping: DeviceTensorArg, qAbs: DeviceTensorArg,
    latentCache: DeviceTensorArg): void;
  /** out[t, h] = x[t, h] · w[h]ᵀ for every head in one launch: x [T, H, K], w [H, N, K], out [T, H, N]. */
  gpuMlaHeadGemm(x: DeviceTensorArg, w: DeviceTensorArg, out: DeviceTensorArg): void;
}

/** gpuMlaAttention's options: the softmax scale; numPartitions > 0 forces the split-K partition count. */
export interface DeviceMlaOptions {
  scale: number;
  numPartitions?: number;
}

/**
 * gpuMatmul/gpuGatedMatmul's options: path forces the GEMV (T <= 16) or the BLAS library instead of choosing;
 * gemvRowsPerWave (16 | 32) and gemvWaves (1-16 per block) fix the GEMV's launch shape (benchmarks; 0 or absent:
 * automatic).
 */
export interface DeviceMatmulOptions {
  path?: 'auto' | 'gemv' | 'blas';
  gemvRowsPerWave?: number;
  gemvWaves?: number;
  /** true: stream the weights through the cp.async ring (NVIDIA), false: through registers. */
  gemvRing?: boolean;
}

/** fusedMoe's options; path forces the decode (GEMV) or prefill (matrix-core) kernels instead of choosing by size. */
export interface DeviceFusedMoeOptions extends FusedMoeOptions {
  path?: 'auto' | 'decode' | 'prefill';
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
