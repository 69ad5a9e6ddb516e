import type { NativeOps } from '../../bindings/addon.js';
import type { TensorArg } from '../../bindings/tensor.js';
import type { WeightSource } from '../loader/weights.js';
import { matmulWeightArg, requireWeight } from './weight-tensors.js';

/** Token ids → rows of the embedding table [vocabSize, hiddenSize] (f32, f16 or bf16 as stored). */
export class Embedding {
  constructor(
    private readonly ops: NativeOps,
    readonly table: TensorArg,
  ) {}

  static load(ops: NativeOps, weights: WeightSource, name: string, vocabSize: number, hiddenSize: number): Embedding {
    return new Embedding(ops, matmulWeightArg(requireWeight(weights, name, [vocabSize, hiddenSize])));
  }

  /** ids [T] i32 → out [T, hiddenSize] f32. */
  forward(ids: TensorArg, out: TensorArg): void {
    this.ops.embedding(ids, this.table, out);
  }
}
