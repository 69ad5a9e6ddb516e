import { DTYPE_BYTES, type DType } from '../../bindings/dtype.js';
import type { TensorArg } from '../../bindings/tensor.js';
import { ModelFileError } from '../errors.js';
import type { WeightSource, WeightTensor } from '../loader/weights.js';
import { dequantizeMxfp4 } from '../loader/mxfp4.js';
import { matmulWeightArg, requireWeight, weightAsF32 } from './weight-tensors.js';

/**
 * The routed experts as fusedMoe takes them: w13 [E, 2I, H] (gate rows, then up rows) and w2 [E, H, I] in the
 * checkpoint's dtype; b13 [E, 2I] and b2 [E, H] f32 when the experts have biases.
 */
export interface ExpertStack {
  readonly w13: TensorArg;
  readonly w2: TensorArg;
  readonly b13: TensorArg | null;
  readonly b2: TensorArg | null;
}

export interface ExpertDims {
  readonly numExperts: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
}

/**
 * How a checkpoint stores its experts under `<prefix>` (e.g. model.layers.3.mlp.experts):
 *   perExpert: `<prefix>.<e>.<gate|up|down>.weight`, nn.Linear layout; a checkpoint saved by transformers 5 with
 *              fused `<prefix>.gate_up_proj` [E, 2I, H] and `<prefix>.down_proj` [E, H, I] is accepted too.
 *   gptOss:    `<prefix>.gate_up_proj` [E, H, 2I] (x·W, gate and up interleaved along the last dim) with
 *              `_bias` [E, 2I], and `<prefix>.down_proj` [E, I, H] with `_bias` [E, H].
 */
export type ExpertLayout =
  | { readonly kind: 'perExpert'; readonly gate: string; readonly up: string; readonly down: string }
  | { readonly kind: 'gptOss' };

export function loadExpertStack(weights: WeightSource, prefix: string, dims: ExpertDims, layout: ExpertLayout): ExpertStack {
  if (layout.kind === 'gptOss') return loadGptOss(weights, prefix, dims);
  const { numExperts: e, hiddenSize: h, intermediateSize: i } = dims;
  if (weights.has(`${prefix}.gate_up_proj`)) {
    return { w13: matmulWeightArg(requireWeight(weights, `${prefix}.gate_up_proj`, [e, 2 * i, h])),
      w2: matmulWeightArg(requireWeight(weights, `${prefix}.down_proj`, [e, h, i])), b13: null, b2: null };
  }
  const gateUps: WeightTensor[] = [];
  const downs: WeightTensor[] = [];
  for (let x = 0; x < e; x++) {
    gateUps.push(requireWeight(weights, `${prefix}.${x}.${layout.gate}.weight`, [i, h]),
      requireWeight(weights, `${prefix}.${x}.${layout.up}.weight`, [i, h]));
    downs.push(requireWeight(weights, `${prefix}.${x}.${layout.down}.weight`, [h, i]));
  }
  return { w13: stack(gateUps, [e, 2 * i, h]), w2: stack(downs, [e, h, i]), b13: null, b2: null };
}

/** Concatenates same-dtype tensors into one of `shape`. */
function stack(tensors: readonly WeightTensor[], shape: number[]): TensorArg {
  const dtype = tensors[0]!.dtype;
  const out = new Uint8Array(tensors.reduce((n, t) => n + t.data.byteLength, 0));
  let offset = 0;
  for (const t of tensors) {
    if (t.dtype !== dtype) throw new ModelFileError('weights', t.name, `dtype ${t.dtype} differs from ${tensors[0]!.name}'s ${dtype}`);
    out.set(t.data, offset);
    offset += t.data.byteLength;
  }
  return matmulWeightArg({ name: tensors[0]!.name, dtype, shape, data: out });
}

type Elements = Uint32Array | Uint16Array;

function elements(dtype: DType, data: Uint8Array, n: number): Elements {
  const bytes = DTYPE_BYTES[dtype];
  if (bytes === 4) return new Uint32Array(data.buffer, data.byteOffset, n);
  if (bytes === 2) return new Uint16Array(data.buffer, data.byteOffset, n);
  throw new ModelFileError('weights', dtype, `experts of dtype ${dtype} are not supported`);
}

/** gate/up column c of gpt-oss's interleaved layout → row of w13: gate c/2, up I + (c-1)/2. */
const w13Row = (c: number, i: number): number => (c % 2 === 0 ? c / 2 : i + (c - 1) / 2);

function loadGptOss(weights: WeightSource, prefix: string, dims: ExpertDims): ExpertStack {
  const { numExperts: e, hiddenSize: h, intermediateSize: i } = dims;
  const bias13 = weightAsF32(requireWeight(weights, `${prefix}.gate_up_proj_bias`, [e, 2 * i]));
  const b13 = new Float32Array(e * 2 * i);
  for (let x = 0; x < e; x++) for (let c = 0; c < 2 * i; c++) b13[x * 2 * i + w13Row(c, i)] = bias13[x * 2 * i + c]!;
  const biases = {
    b13: { data: b13, dtype: 'f32', shape: [e, 2 * i] },
    b2: { data: weightAsF32(requireWeight(weights, `${prefix}.down_proj_bias`, [e, h])), dtype: 'f32', shape: [e, h] },
  } as const;
  if (weights.has(`${prefix}.gate_up_proj_blocks`)) return { ...loadGptOssMxfp4(weights, prefix, dims), ...biases };
  const gateUp = requireWeight(weights, `${prefix}.gate_up_proj`, [e, h, 2 * i]);
  const down = requireWeight(weights, `${prefix}.down_proj`, [e, i, h]);
  const src13 = elements(gateUp.dtype, gateUp.data, e * h * 2 * i);
  const dst13 = new (src13.constructor as new (n: number) => Elements)(e * 2 * i * h);
  for (let x = 0; x < e; x++) {
    for (let r = 0; r < h; r++) {
      const from = (x * h + r) * 2 * i;
      for (let c = 0; c < 2 * i; c++) dst13[(x * 2 * i + w13Row(c, i)) * h + r] = src13[from + c]!;
    }
  }
  const src2 = elements(down.dtype, down.data, e * i * h);
  const dst2 = new (src2.constructor as new (n: number) => Elements)(e * h * i);
  for (let x = 0; x < e; x++) {
    for (let r = 0; r < i; r++) for (let c = 0; c < h; c++) dst2[(x * h + c) * i + r] = src2[(x * i + r) * h + c]!;
  }
  return {
    w13: matmulWeightArg({ name: gateUp.name, dtype: gateUp.dtype, shape: [e, 2 * i, h], data: new Uint8Array(dst13.buffer) }),
    w2: matmulWeightArg({ name: down.name, dtype: down.dtype, shape: [e, h, i], data: new Uint8Array(dst2.buffer) }),
    ...biases,
  };
}

/**
 * gpt-oss's MXFP4 experts, dequantized to bf16 at load: `gate_up_proj_blocks` holds [E, 2I, H] (gate and up rows
 * interleaved; transformers transposes it into the bf16 checkpoint's [E, H, 2I]), `down_proj_blocks` [E, H, I].
 */
function loadGptOssMxfp4(weights: WeightSource, prefix: string, dims: ExpertDims): Pick<ExpertStack, 'w13' | 'w2'> {
  const { numExperts: e, hiddenSize: h, intermediateSize: i } = dims;
  const gateUp = dequantizeMxfp4(weights, `${prefix}.gate_up_proj`, [e, 2 * i], h);
  const w13 = new Uint16Array(e * 2 * i * h);
  for (let x = 0; x < e; x++) {
    for (let c = 0; c < 2 * i; c++) {
      w13.set(gateUp.subarray((x * 2 * i + c) * h, (x * 2 * i + c + 1) * h), (x * 2 * i + w13Row(c, i)) * h);
    }
  }
  const w2 = dequantizeMxfp4(weights, `${prefix}.down_proj`, [e, h], i);
  return {
    w13: { data: w13, dtype: 'bf16', shape: [e, 2 * i, h] },
    w2: { data: w2, dtype: 'bf16', shape: [e, h, i] },
  };
}
