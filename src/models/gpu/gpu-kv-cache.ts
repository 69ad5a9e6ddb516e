import { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { DeviceTensorArg, NativeGpu } from '../../../bindings/gpu.js';
import type { HalfDType } from '../../layers/gpu/device-weights.js';
import { GpuLatentCache } from '../../layers/gpu/gpu-latent-cache.js';

/** One layer's key and value cache: [numBlocks, blockSize, numKvHeads, headDim] views of the shared allocation. */
export interface GpuLayerCache {
  readonly key: DeviceTensorArg;
  readonly value: DeviceTensorArg;
}

/** The paged KV cache of every layer in one device allocation: layer l's key, then its value. */
export class GpuKvCache {
  private readonly buffer: DeviceTensor;
  readonly layers: GpuLayerCache[] = [];

  constructor(gpu: NativeGpu, numLayers: number, readonly numBlocks: number, readonly blockSize: number,
    numKvHeads: number, headDim: number, dtype: HalfDType, device = 0) {
    const shape = [numBlocks, blockSize, numKvHeads, headDim];
    const layerBytes = numBlocks * blockSize * numKvHeads * headDim * 2;
    this.buffer = DeviceTensor.empty(gpu, dtype, [numLayers * 2 * layerBytes / 2], device);
    for (let l = 0; l < numLayers; l++) {
      this.layers.push({
        key: { data: this.buffer.data, dtype, shape, byteOffset: 2 * l * layerBytes },
        value: { data: this.buffer.data, dtype, shape, byteOffset: (2 * l + 1) * layerBytes },
      });
    }
  }

  static bytesPerBlock(numLayers: number, blockSize: number, numKvHeads: number, headDim: number): number {
    return numLayers * 2 * blockSize * numKvHeads * headDim * 2;
  }

  dispose(): void {
    this.buffer.dispose();
  }
}

/** A model's per-layer caches in one allocation, as GpuKvCache and GpuLatentCache make them. */
interface PagedLayerCaches<L> {
  readonly layers: readonly L[];
  dispose(): void;
}

/** The caches of a model's attention layers (GpuAttentionCaches): allocated together, each layer given its part. */
export class GpuLayerCaches<L> {
  private cache: PagedLayerCaches<L> | null = null;

  constructor(private readonly attentions: readonly { cache: L | null }[],
    private readonly perBlock: (numLayers: number, blockSize: number) => number,
    private readonly make: (numLayers: number, numBlocks: number, blockSize: number, dtype: HalfDType) => PagedLayerCaches<L>) {}

  bytesPerBlock(blockSize: number): number {
    return this.perBlock(this.attentions.length, blockSize);
  }

  allocate(numBlocks: number, blockSize: number, dtype: HalfDType): void {
    this.release();
    const cache = this.make(this.attentions.length, numBlocks, blockSize, dtype);
    this.attentions.forEach((a, l) => { a.cache = cache.layers[l]!; });
    this.cache = cache;
  }

  release(): void {
    for (const a of this.attentions) a.cache = null;
    this.cache?.dispose();
    this.cache = null;
  }
}

/** MHA layers' key/value caches. */
export function gpuMhaCaches(gpu: NativeGpu, attentions: readonly { cache: GpuLayerCache | null }[], numKvHeads: number,
  headDim: number, device = 0): GpuLayerCaches<GpuLayerCache> {
  return new GpuLayerCaches(attentions, (layers, blockSize) => GpuKvCache.bytesPerBlock(layers, blockSize, numKvHeads, headDim),
    (layers, numBlocks, blockSize, dtype) => new GpuKvCache(gpu, layers, numBlocks, blockSize, numKvHeads, headDim, dtype, device));
}

/** MLA layers' latent caches ([k_pe | c_kv] per token). */
export function gpuMlaCaches(gpu: NativeGpu, attentions: readonly { cache: DeviceTensorArg | null }[], latentDim: number,
  device = 0): GpuLayerCaches<DeviceTensorArg> {
  return new GpuLayerCaches(attentions, (layers, blockSize) => GpuLatentCache.bytesPerBlock(layers, blockSize, latentDim),
    (layers, numBlocks, blockSize, dtype) => new GpuLatentCache(gpu, layers, numBlocks, blockSize, latentDim, dtype, device));
}
