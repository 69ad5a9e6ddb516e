import { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { DeviceTensorArg, NativeGpu } from '../../../bindings/gpu.js';
import type { HalfDType } from './device-weights.js';

/**
 * The paged latent cache of every MLA layer in one device allocation: layer l's [numBlocks, blockSize, 1, R + L],
 * each token's roped k_pe then its normalized c_kv (MLA's single KV head, both key and value of the absorbed
 * attention).
 */
export class GpuLatentCache {
  private readonly buffer: DeviceTensor;
  readonly layers: DeviceTensorArg[] = [];

  constructor(gpu: NativeGpu, numLayers: number, readonly numBlocks: number, readonly blockSize: number,
    readonly latentDim: number, dtype: HalfDType, device = 0) {
    const layerElems = numBlocks * blockSize * latentDim;
    this.buffer = DeviceTensor.empty(gpu, dtype, [numLayers * layerElems], device);
    for (let l = 0; l < numLayers; l++) {
      this.layers.push({ data: this.buffer.data, dtype, shape: [numBlocks, blockSize, 1, latentDim],
        byteOffset: l * layerElems * 2 });
    }
  }

  static bytesPerBlock(numLayers: number, blockSize: number, latentDim: number): number {
    return numLayers * blockSize * latentDim * 2;
  }

  dispose(): void {
    this.buffer.dispose();
  }
}
