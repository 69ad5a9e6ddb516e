import { DTYPE_BYTES, type DType } from './dtype.js';
import type { DeviceBuffer, DeviceTensorArg, NativeGpu } from './gpu.js';
import { numel, type HostArray } from './tensor.js';

/** A contiguous tensor owning a device buffer; its one owner calls dispose(). */
export class DeviceTensor implements DeviceTensorArg {
  private constructor(
    readonly data: DeviceBuffer,
    readonly dtype: DType,
    readonly shape: readonly number[],
  ) {}

  static empty(gpu: NativeGpu, dtype: DType, shape: readonly number[], device = 0): DeviceTensor {
    const bytes = Math.max(1, numel(shape) * DTYPE_BYTES[dtype]);
    return new DeviceTensor(new gpu.DeviceBuffer(bytes, device), dtype, shape);
  }

  /** A device copy of host data (its byte length must match the shape). */
  static upload(gpu: NativeGpu, dtype: DType, shape: readonly number[], host: HostArray, device = 0): DeviceTensor {
    const need = numel(shape) * DTYPE_BYTES[dtype];
    if (host.byteLength !== need) throw new RangeError(`host data holds ${host.byteLength} bytes, shape needs ${need}`);
    const t = DeviceTensor.empty(gpu, dtype, shape, device);
    if (need > 0) t.data.upload(host);
    return t;
  }

  get byteLength(): number {
    return numel(this.shape) * DTYPE_BYTES[this.dtype];
  }

  /** Copies the tensor back into `into` (a typed array of exactly its bytes). */
  download<A extends HostArray>(into: A): A {
    if (into.byteLength !== this.byteLength) throw new RangeError(`expected ${this.byteLength} bytes, got ${into.byteLength}`);
    if (into.byteLength > 0) this.data.download(into);
    return into;
  }

  dispose(): void {
    this.data.free();
  }
}
