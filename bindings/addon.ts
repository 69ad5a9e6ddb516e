/**
 * The one typed doorway to the native addon. Loads build/Release/hipserve.node (or prebuilds/ through
 * node-gyp-build); HIPSERVE_ADDON names an explicit .node file instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { TensorArg } from './tensor.js';

export interface AttentionOptions {
  /** Softmax scale, usually 1/sqrt(headSize). */
  scale: number;
  /** > 0: a query at position p sees keys at positions > p - slidingWindow. */
  slidingWindow?: number;
  /** > 0: scores become softcap * tanh(score / softcap). */
  softcap?: number;
  /** [numHeads] f32: one extra logit per head in each softmax denominator. */
  sinks?: TensorArg;
}

/** How moeRoute turns router logits into experts and weights (see MoeRouteParams in ops.h). */
export interface MoeRouteOptions {
  router: 'softmax_topk' | 'sigmoid_grouped' | 'topk_softmax';
  topK: number;
  renormalize?: boolean;
  numGroups?: number;
  topkGroups?: number;
  routedScalingFactor?: number;
}

/** fusedMoe's activation (silu, or gpt-oss's clamped swiglu with alpha and limit) and whether it adds into out. */
export interface FusedMoeOptions {
  activation?: 'silu' | 'swiglu_oai';
  alpha?: number;
  limit?: number;
  accumulate?: boolean;
}

/** Every kernel entry; shapes and semantics are documented in native/include/hipserve/ops.h. */
export interface NativeOps {
  matmul(x: TensorArg, w: TensorArg, bias: TensorArg | null, out: TensorArg): void;
  rmsNorm(x: TensorArg, weight: TensorArg, eps: number, out: TensorArg): void;
  fusedAddRmsNorm(x: TensorArg, residual: TensorArg, weight: TensorArg, eps: number): void;
  siluAndMul(x: TensorArg, out: TensorArg): void;
  geluTanhAndMul(x: TensorArg, out: TensorArg): void;
  softmax(x: TensorArg, out: TensorArg): void;
  embedding(ids: TensorArg, table: TensorArg, out: TensorArg): void;
  rotaryEmbedding(positions: TensorArg, q: TensorArg, k: TensorArg, cosSinCache: TensorArg, headSize: number,
    isNeox: boolean): void;
  reshapeAndCache(key: TensorArg, value: TensorArg, keyCache: TensorArg, valueCache: TensorArg,
    slotMapping: TensorArg): void;
  pagedAttention(q: TensorArg, keyCache: TensorArg, valueCache: TensorArg, queryStartLoc: TensorArg,
    seqLens: TensorArg, blockTables: TensorArg, options: AttentionOptions, out: TensorArg): void;
  argmax(logits: TensorArg, out: TensorArg): void;
  topKTopPMinP(logits: TensorArg, topK: TensorArg, topP: TensorArg, minP: TensorArg): void;
  logSoftmax(x: TensorArg, out: TensorArg): void;
  sampleCategorical(logits: TensorArg, uniform: TensorArg, out: TensorArg): void;
  moeRoute(logits: TensorArg, correctionBias: TensorArg | null, options: MoeRouteOptions, topkIds: TensorArg,
    topkWeights: TensorArg): void;
  fusedMoe(x: TensorArg, w13: TensorArg, b13: TensorArg | null, w2: TensorArg, b2: TensorArg | null, topkIds: TensorArg,
    topkWeights: TensorArg, options: FusedMoeOptions, out: TensorArg): void;
}

type Promisified<T> = { [K in keyof T]: T[K] extends (...args: infer A) => void ? (...args: A) => Promise<void> : never };

export interface NativeAddon {
  /** Synchronous entries: for short calls and for code already off the main thread. */
  readonly ops: NativeOps;
  /** The same entries run on libuv's thread pool, resolving when done. */
  readonly opsAsync: Promisified<NativeOps>;
  setNumThreads(threads: number): void;
  numThreads(): number;
  cpuIsa(): 'avx512' | 'avx2' | 'neon' | 'scalar';
  /** Maps a file read-only (copy-on-write) into memory; unmapped when the ArrayBuffer is collected. */
  mapFile(path: string, offset?: number, length?: number): ArrayBuffer;
}

/** The error every native entry throws: `code` is HS_INVALID_ARGUMENT, HS_SHAPE_MISMATCH, ... */
export interface NativeError extends Error {
  code: string;
}

function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'hipserve') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('hipserve: cannot find the package root from ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

let cached: NativeAddon | undefined;

export function loadAddon(): NativeAddon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const explicit = process.env.HIPSERVE_ADDON;
  if (explicit) {
    cached = require(path.resolve(explicit)) as NativeAddon;
  } else {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    cached = nodeGypBuild(packageRoot()) as NativeAddon;
  }
  return cached;
}
