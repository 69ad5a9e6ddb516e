import type { AttentionOptions, NativeOps } from '../../../bindings/addon.js';
import type { TensorArg } from '../../../bindings/tensor.js';
import { HipserveError } from '../../errors.js';
import type { ModelConfig } from '../../loader/model-config.js';
import type { WeightSource } from '../../loader/weights.js';
import { Linear } from '../linear.js';
import { RmsNorm } from '../rms-norm.js';
import { matmulWeightArg, requireWeight, weightAsF32 } from '../weight-tensors.js';
import type { AttentionMetadata } from './attention-metadata.js';
import { latentDim, type MlaDims, mlaSoftmaxScale, qkHeadDim } from './mla-dims.js';
import { type KvBProjHeads, loadKvBProjHeads, weightRows } from './mla-kv-b-proj.js';
import { MlaExpandedPrefill } from './mla-expanded-prefill.js';
import type { MlaLatentCache } from './mla-latent-cache.js';
import type { MlaRotary } from './mla-rotary.js';
import type { MlaStepViews } from './mla-scratch.js';

/** Queries: q_proj, or q_a_proj → q_a_layernorm → q_b_proj. */
interface QueryProjection {
  forward(x: TensorArg, s: MlaStepViews): void;
}

export interface MlaAttentionOptions {
  /** Steps holding a prefill chunk attend through the decompressed keys and values (default true). */
  expandPrefill?: boolean;
}

/**
 * Multi-head latent attention. Each token caches only its latent (roped k_pe and the normalized c_kv). Decode
 * steps absorb kv_b_proj into the queries: q_nope·W_UK moves them into the latent space, they attend to the latents
 * as one shared KV head (MQA, the latent serving as both key and value), and the result leaves it through W_UV, so
 * the cache is never decompressed per step. Steps with a prefill chunk take the expanded form (MlaExpandedPrefill).
 */
export class MlaAttention {
  private readonly query: QueryProjection;
  private readonly kvAPe: Linear;
  private readonly kvACkv: Linear;
  private readonly kvANorm: RmsNorm;
  private readonly kvB: KvBProjHeads;
  private readonly oProj: Linear;
  private readonly options: AttentionOptions;
  private readonly prefill: MlaExpandedPrefill | null;
  cache: MlaLatentCache | null = null;

  constructor(
    private readonly ops: NativeOps,
    weights: WeightSource,
    prefix: string,
    config: ModelConfig,
    readonly dims: MlaDims,
    private readonly rotary: MlaRotary,
    options: MlaAttentionOptions = {},
  ) {
    const { hiddenSize: hidden, attentionBias: bias, rmsNormEps: eps } = config;
    const { numHeads: h, kvLoraRank: l, qkRopeHeadDim: r, qLoraRank } = dims;
    const qOut = h * qkHeadDim(dims);
    if (qLoraRank === null) {
      const qProj = Linear.load(ops, weights, `${prefix}.q_proj`, hidden, qOut);
      this.query = { forward: (x, s) => qProj.forward(x, s.q) };
    } else {
      const qA = Linear.load(ops, weights, `${prefix}.q_a_proj`, hidden, qLoraRank, bias);
      const qANorm = RmsNorm.load(ops, weights, `${prefix}.q_a_layernorm.weight`, qLoraRank, eps);
      const qB = Linear.load(ops, weights, `${prefix}.q_b_proj`, qLoraRank, qOut);
      this.query = {
        forward: (x, s) => {
          qA.forward(x, s.qA!);
          qANorm.forward(s.qA!, s.qA!);
          qB.forward(s.qA!, s.q);
        },
      };
    }
    // kv_a_proj_with_mqa's rows are c_kv then k_pe; the latent keeps k_pe first, so each part is its own Linear.
    const kvA = requireWeight(weights, `${prefix}.kv_a_proj_with_mqa.weight`, [l + r, hidden]);
    matmulWeightArg(kvA);
    const kvABias = bias ? weightAsF32(requireWeight(weights, `${prefix}.kv_a_proj_with_mqa.bias`, [l + r])) : null;
    this.kvACkv = new Linear(ops, weightRows(kvA, 0, l), kvABias?.subarray(0, l) ?? null);
    this.kvAPe = new Linear(ops, weightRows(kvA, l, l + r), kvABias?.subarray(l) ?? null);
    this.kvANorm = RmsNorm.load(ops, weights, `${prefix}.kv_a_layernorm.weight`, l, eps);
    this.kvB = loadKvBProjHeads(weights, `${prefix}.kv_b_proj.weight`, dims);
    this.oProj = Linear.load(ops, weights, `${prefix}.o_proj`, h * dims.vHeadDim, hidden, bias);
    this.options = { scale: mlaSoftmaxScale(config, dims) };
    this.prefill = (options.expandPrefill ?? true) && MlaExpandedPrefill.serves(dims)
      ? new MlaExpandedPrefill(ops, dims, this.kvB, this.options) : null;
  }

  /** x [T, hidden] → out [T, hidden]; out may be x, which is read only before o_proj writes. */
  forward(x: TensorArg, out: TensorArg, positions: TensorArg, meta: AttentionMetadata, s: MlaStepViews): void {
    if (!this.cache) throw new HipserveError('engine_error', 'forward before allocateKvCache');
    const { ops, dims } = this;
    const lat = latentDim(dims);
    const expand = this.prefill !== null && meta.numTokens > meta.seqLens.shape[0]!;
    this.query.forward(x, s);
    if (!expand) {
      for (let h = 0; h < dims.numHeads; h++) ops.matmul(s.qNopeOf[h]!, this.kvB.ukT[h]!, null, s.qLatentOf[h]!);
    }
    this.copyQueryRope(s);
    this.kvAPe.forward(x, s.kPe);
    this.kvACkv.forward(x, s.cKv);
    this.kvANorm.forward(s.cKv, s.cKv);
    this.rotary.forward(positions, s.qAbs, s.latent, lat);
    const { latent } = this.cache;
    ops.reshapeAndCache(s.latentTokens, s.latentTokens, latent, latent, meta.slotMapping);
    if (expand) {
      this.prefill!.forward(s, this.cache, meta);
    } else {
      ops.pagedAttention(s.qAbsHeads, latent, latent, meta.queryStartLoc, meta.seqLens, meta.blockTables,
        this.options, s.attnLatHeads);
      for (let h = 0; h < dims.numHeads; h++) ops.matmul(s.attnLatentOf[h]!, this.kvB.uv[h]!, null, s.attnOutOf[h]!);
    }
    this.oProj.forward(s.attnOut, out);
  }

  /** q_pe of every token and head into the first rope dims of its absorbed query. */
  private copyQueryRope(s: MlaStepViews): void {
    const { numHeads, qkNopeHeadDim: nope, qkRopeHeadDim: r } = this.dims;
    const qk = qkHeadDim(this.dims), lat = latentDim(this.dims);
    const { qData, qAbsData } = s;
    for (let row = 0; row < s.numTokens * numHeads; row++) {
      qAbsData.set(qData.subarray(row * qk + nope, row * qk + nope + r), row * lat);
    }
  }
}
