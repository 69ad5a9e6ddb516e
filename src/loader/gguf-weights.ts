import type { FileBytes } from './map-model-file.js';
import type { DType } from '../../bindings/dtype.js';
import { DTYPE_BYTES } from '../../bindings/dtype.js';
import { HipserveError, ModelFileError } from '../errors.js';
import { alignedView } from './aligned-view.js';
import { GGML_TYPE } from './ggml-type.js';
import { dequantizeQ4_0, dequantizeQ8_0 } from './ggml-dequantize.js';
import { ggufTensorBytes, type Gguf, type GgufTensorInfo } from './gguf.js';
import { ggufNumber, ggufString } from './gguf-metadata.js';
import { hfTensorName } from './gguf-tensor-names.js';
import { unpermuteQkRows } from './unpermute-qk.js';
import type { WeightSource, WeightTensor } from './weights.js';

/** ggml types served as they are stored. */
const DIRECT: ReadonlyMap<number, DType> = new Map<number, DType>([
  [GGML_TYPE.F32, 'f32'], [GGML_TYPE.F16, 'f16'], [GGML_TYPE.BF16, 'bf16'],
  [GGML_TYPE.I8, 'i8'], [GGML_TYPE.I32, 'i32'], [GGML_TYPE.I64, 'i64'],
]);

const DEQUANTIZE: ReadonlyMap<number, (src: Uint8Array, numElements: number) => Float32Array> = new Map([
  [GGML_TYPE.Q8_0, dequantizeQ8_0], [GGML_TYPE.Q4_0, dequantizeQ4_0],
]);

/** Architectures whose q/k rows convert_hf_to_gguf permuted for interleaved RoPE. */
const PERMUTED_ARCHS: ReadonlySet<string> = new Set(['llama']);
const Q_OR_K = /^model\.layers\.\d+\.self_attn\.([qk])_proj\.(weight|bias)$/;

/**
 * The tensors of a parsed GGUF under Hugging Face names and shapes ([out, in], the reverse of ggml's dims), with
 * Q8_0/Q4_0 dequantized to f32 and llama q/k rows back in rotate-half order. Tensors with no HF counterpart keep
 * their GGUF name.
 */
export class GgufWeights implements WeightSource {
  private readonly byName = new Map<string, GgufTensorInfo>();
  private readonly unpermute: boolean;

  constructor(
    readonly path: string,
    private readonly bytes: FileBytes,
    readonly gguf: Gguf,
  ) {
    for (const t of gguf.tensors) this.byName.set(hfTensorName(t.name) ?? t.name, t);
    this.unpermute = PERMUTED_ARCHS.has(ggufString(gguf, 'general.architecture') ?? '');
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): WeightTensor {
    const info = this.byName.get(name);
    if (!info) throw new ModelFileError(this.path, name, 'no such tensor in the file');
    const shape = [...info.dims].reverse();
    let raw = ggufTensorBytes(this.bytes, this.gguf, info);
    const qk = this.unpermute ? Q_OR_K.exec(name) : null;
    if (qk) raw = unpermuteQkRows(raw, shape[0] ?? 1, this.headsFor(qk[1] === 'q', info, shape[0] ?? 1));
    const direct = DIRECT.get(info.type);
    if (direct) return { name, dtype: direct, shape, data: alignedView(raw, DTYPE_BYTES[direct]) };
    const dequantize = DEQUANTIZE.get(info.type);
    if (!dequantize) {
      throw new HipserveError('unsupported',
        `${this.path}: tensor ${info.name} has ggml type ${info.typeName}; supported: F32, F16, BF16, Q8_0, Q4_0, I8, I32, I64`);
    }
    const values = dequantize(raw, info.numElements);
    return { name, dtype: 'f32', shape, data: new Uint8Array(values.buffer) };
  }

  private headsFor(isQ: boolean, info: GgufTensorInfo, numRows: number): number {
    const arch = ggufString(this.gguf, 'general.architecture');
    const heads = ggufNumber(this.gguf, `${arch}.attention.head_count`);
    const kvHeads = ggufNumber(this.gguf, `${arch}.attention.head_count_kv`) ?? heads;
    const n = isQ ? heads : kvHeads;
    if (n === undefined || !Number.isInteger(n) || n <= 0 || numRows % (2 * n) !== 0) {
      throw new ModelFileError(this.path, `tensor ${info.name}`,
        `${numRows} rows cannot be split into ${String(n)} heads of an even size`);
    }
    return n;
  }
}
