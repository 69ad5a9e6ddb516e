import type { DType } from '../../bindings/dtype.js';

/**
 * One weight tensor in Hugging Face naming and layout, whatever file it came from. `data` is a view of the
 * bytes (often of a memory-mapped file), aligned to the dtype's size.
 */
export interface WeightTensor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/** The weights of one checkpoint (safetensors, sharded safetensors or GGUF), looked up by HF name. */
export interface WeightSource {
  readonly path: string;
  names(): string[];
  has(name: string): boolean;
  /** Throws ModelFileError naming the file when the tensor is missing or malformed. */
  get(name: string): WeightTensor;
}
