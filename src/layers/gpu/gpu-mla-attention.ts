import type { DeviceTensor } from '../../../bindings/device-tensor.js';
import type { DeviceTensorArg, GpuOps } from '../../../bindings/gpu.js';
import type { ModelConfig } from '../../loader/model-config.js';
import type { GpuStepInputs } from '../../models/gpu/gpu-step-inputs.js';
import { type MlaDims, mlaSoftmaxScale, qkHeadDim } from '../attention/mla-dims.js';
import type { DeviceWeights } from './device-weights.js';
import { GpuLinear } from './gpu-linear.js';
import { type GpuKvBProj, loadGpuKvBProj } from './gpu-mla-kv-b-proj.js';
import type { GpuMlaRotary } from './gpu-mla-rotary.js';
import type { GpuMlaScratch, GpuMlaViews } from './gpu-mla-scratch.js';

/** What the layer reads of a GPU step (GpuLayerStep satisfies it). */
export interface GpuMlaStep {
  readonly inputs: GpuStepInputs;
}

/**
 * Multi-head latent attention on the device, the GPU twin of MlaAttention: queries through q_proj or
 * q_a_proj → q_a_layernorm → q_b_proj; kv_a_proj_with_mqa; one kernel normalizes c_kv, ropes q_pe and k_pe and
 * writes each token's latent [k_pe | c_kv] to the paged cache; q_nope·W_UK for every head in one GEMM; latent
 * attention (absorbed: the cache is read once per tile of heads, never decompressed) for decode, prefill and
 * mixed steps alike; attention's latent·W_UV per head in one GEMM; o_proj. (Long prefills would read less
 * through the expanded form, decompressing the context once per step: a later optimisation.)
 */
export class GpuMlaAttention {
  private readonly query: (x: DeviceTensorArg, v: GpuMlaViews) => void;
  private readonly kvA: GpuLinear;
  private readonly kvANorm: DeviceTensor;
  private readonly kvB: GpuKvBProj;
  private readonly oProj: GpuLinear;
  private readonly scale: number;
  private readonly eps: number;
  /** This layer's [numBlocks, blockSize, 1, R + L] view of the latent cache (GpuLatentCache.layers[i]). */
  cache: DeviceTensorArg | null = null;

  constructor(private readonly ops: GpuOps, weights: DeviceWeights, prefix: string, config: ModelConfig,
    readonly dims: MlaDims, private readonly rotary: GpuMlaRotary, private readonly scratch: GpuMlaScratch) {
    const { hiddenSize: hidden, attentionBias: bias, rmsNormEps: eps } = config;
    const { numHeads: h, kvLoraRank: l, qkRopeHeadDim: r, qLoraRank, vHeadDim: v } = dims;
    const qOut = h * qkHeadDim(dims);
    if (qLoraRank === null) {
      const qProj = GpuLinear.load(ops, weights, [`${prefix}.q_proj`], hidden, [qOut]);
      this.query = (x, s) => qProj.forward(x, s.q);
    } else {
      const qA = GpuLinear.load(ops, weights, [`${prefix}.q_a_proj`], hidden, [qLoraRank], bias);
      const qANorm = weights.get(`${prefix}.q_a_layernorm.weight`, [qLoraRank]);
      const qB = GpuLinear.load(ops, weights, [`${prefix}.q_b_proj`], qLoraRank, [qOut]);
      this.query = (x, s) => {
        qA.forward(x, s.qA!);
        ops.gpuRmsNorm(s.qA!, qANorm, eps, s.qA!);
        qB.forward(s.qA!, s.q);
      };
    }
    this.kvA = GpuLinear.load(ops, weights, [`${prefix}.kv_a_proj_with_mqa`], hidden, [l + r], bias);
    this.kvANorm = weights.get(`${prefix}.kv_a_layernorm.weight`, [l]);
    this.kvB = loadGpuKvBProj(weights, `${prefix}.kv_b_proj.weight`, dims);
    this.oProj = GpuLinear.load(ops, weights, [`${prefix}.o_proj`], h * v, [hidden], bias);
    this.scale = mlaSoftmaxScale(config, dims);
    this.eps = eps;
  }

  /** x [T, hidden] → out [T, hidden]; out may be x, which is read only before o_proj writes. */
  forward(x: DeviceTensorArg, out: DeviceTensorArg, step: GpuMlaStep): void {
    const cache = this.cache;
    if (!cache) throw new RangeError('GpuMlaAttention.forward before its cache was set');
    const { ops } = this;
    const s = step.inputs;
    const v = this.scratch.views(s.numTokens);
    this.query(x, v);
    this.kvA.forward(x, v.kv);
    ops.gpuMlaRopeCache(s.positions, v.qHeads, v.kv, this.kvANorm, this.eps, this.rotary.cosSin, this.rotary.isNeox,
      s.slotMapping, v.qAbs, cache);
    ops.gpuMlaHeadGemm(v.qNope, this.kvB.ukT, v.qAbsLatent);
    ops.gpuMlaAttention(v.qAbs, cache, s.queryStartLoc, s.seqLens, s.blockTables, s.maxQueryLen, s.maxSeqLen,
      { scale: this.scale }, v.attnLat);
    ops.gpuMlaHeadGemm(v.attnLat, this.kvB.uv, v.attnOutHeads);
    this.oProj.forward(v.attnOut, out);
  }
}
