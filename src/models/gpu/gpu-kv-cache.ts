import { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { DeviceTensorArg, NativeGpu } from '../../../bindings/gpu.js';
import type { HalfDType } from '../../layers/gpu/device-weights.js';

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

/** The paged KV caches of MHA layers: one GpuKvCache, each layer's attention given its part. */
export class GpuMhaCaches {
  private cache: GpuKvCache | null = null;

  constructor(private readonly gpu: NativeGpu, private readonly attentions: readonly { cache: GpuLayerCache | null }[],
    private readonly numKvHeads: number, private readonly headDim: number, private readonly device = 0) {}

  bytesPerBlock(blockSize: number): number {
    return GpuKvCache.bytesPerBlock(this.attentions.length, blockSize, this.numKvHeads, this.headDim);
  }

  allocate(numBlocks: number, blockSize: number, dtype: HalfDType): void {
    this.release();
    const cache = new GpuKvCache(this.gpu, this.attentions.length, numBlocks, blockSize, this.numKvHeads, this.headDim,
      dtype, this.device);
    this.attentions.forEach((a, l) => { a.cache = cache.layers[l]!; });
    this.cache = cache;
  }

  release(): void {
    for (const a of this.attentions) a.cache = null;
    this.cache?.dispose();
    this.cache = null;
  }
}
