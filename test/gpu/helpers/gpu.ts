/**
 * Shared parts of the GPU tests: the GPU addon (or why the tests skip), half-precision round trips, and device
 * tensors made from f32 data. Each kernel test runs the GPU entry and the CPU kernel on the same inputs (the
 * half values, upcast exactly to f32 for the CPU) and compares.
 */
import { loadAddon } from '../../../bindings/addon.js';
import { DeviceTensor } from '../../../bindings/device-tensor.js';
import { loadGpuAddon, type GpuAddon } from '../../../bindings/gpu.js';
import { bf16ToF32, f16ToF32, toBf16Array, toF16Array } from '../../../bindings/half.js';
import { maxViolation } from '../../helpers/random.js';

export type HalfDType = 'bf16' | 'f16';
export const HALF_DTYPES: readonly HalfDType[] = ['bf16', 'f16'];

export const cpu = loadAddon().ops;
const maybeGpu = loadGpuAddon();

/** Why the GPU tests cannot run here, or false when they can. */
export const noGpu: string | false = !maybeGpu
  ? 'the addon was built without a GPU backend (npm run build:cuda, then HIPSERVE_ADDON=build-cuda/Release/hipserve.node)'
  : maybeGpu.gpu.deviceCount() === 0
    ? 'no GPU device is visible'
    : false;

/** The GPU addon; only call inside tests that are skipped when noGpu is set. */
export function gpuAddon(): GpuAddon {
  if (!maybeGpu) throw new Error(String(noGpu));
  return maybeGpu;
}

export function toHalf(dtype: HalfDType, values: ArrayLike<number>): Uint16Array {
  return dtype === 'bf16' ? toBf16Array(values) : toF16Array(values);
}

export function fromHalf(dtype: HalfDType, bits: Uint16Array): Float32Array {
  const convert = dtype === 'bf16' ? bf16ToF32 : f16ToF32;
  return Float32Array.from(bits, convert);
}

/** values rounded to the half type: what the GPU holds, and what the CPU reference is given. */
export function roundHalf(dtype: HalfDType, values: ArrayLike<number>): Float32Array {
  return fromHalf(dtype, toHalf(dtype, values));
}

/** Tracks device tensors so a test frees them all at the end. */
export class DevicePool {
  private readonly owned: DeviceTensor[] = [];

  half(dtype: HalfDType, shape: readonly number[], values: ArrayLike<number>): DeviceTensor {
    return this.keep(DeviceTensor.upload(gpuAddon().gpu, dtype, shape, toHalf(dtype, values)));
  }

  f32(shape: readonly number[], values: ArrayLike<number>): DeviceTensor {
    return this.keep(DeviceTensor.upload(gpuAddon().gpu, 'f32', shape, Float32Array.from(values)));
  }

  i32(shape: readonly number[], values: ArrayLike<number>): DeviceTensor {
    return this.keep(DeviceTensor.upload(gpuAddon().gpu, 'i32', shape, Int32Array.from(values)));
  }

  /** An output whose every byte is 0xff (NaN in bf16/f16/f32), so an element the kernel misses shows. */
  poisoned(dtype: HalfDType | 'f32', shape: readonly number[]): DeviceTensor {
    const t = this.keep(DeviceTensor.empty(gpuAddon().gpu, dtype, shape));
    t.data.fill(0xff);
    return t;
  }

  dispose(): void {
    for (const t of this.owned.splice(0)) t.dispose();
  }

  private keep(t: DeviceTensor): DeviceTensor {
    this.owned.push(t);
    return t;
  }
}

export function downloadHalf(dtype: HalfDType, t: DeviceTensor): Float32Array {
  return fromHalf(dtype, t.download(new Uint16Array(t.byteLength / 2)));
}

/** One rounding of a half type: the tolerance of a result computed in f32 and stored once. */
export function halfRtol(dtype: HalfDType): number {
  return dtype === 'bf16' ? 2 ** -8 : 2 ** -10;
}

/** ‖a − b‖ / ‖b‖, the error measure of METHOD.md; NaN anywhere gives Infinity. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]!) || Number.isNaN(b[i]!)) return Infinity;
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** Element-wise |a − b| <= atol + rtol·|b| (the largest violation, <= 1 passes). */
export function halfViolation(dtype: HalfDType, a: ArrayLike<number>, b: ArrayLike<number>, atol = 1e-4): number {
  return maxViolation(a, b, atol, halfRtol(dtype));
}
