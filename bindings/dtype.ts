/** Element types shared with native/include/hipserve/tensor_view.h. */
export type DType = 'f32' | 'f16' | 'bf16' | 'i32' | 'i64' | 'u8' | 'i8' | 'fp8_e4m3' | 'fp8_e5m2';

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  f32: 4, f16: 2, bf16: 2, i32: 4, i64: 8, u8: 1, i8: 1, fp8_e4m3: 1, fp8_e5m2: 1,
};
