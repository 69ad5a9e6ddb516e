/** Progress of building a model: `done` of `total` units of the current stage. */
export interface LoadProgress {
  readonly stage: 'files' | 'layers' | 'ready';
  readonly done: number;
  readonly total: number;
}

export interface CausalLMOptions {
  /** Tokens of the largest step; activation buffers are sized for it up front (they grow if a step is larger). */
  maxNumBatchedTokens?: number;
  /** Longest context served; the RoPE cache covers positions [0, maxModelLen). Default: max_position_embeddings. */
  maxModelLen?: number;
  /** Most sequences in one step; GPU models capture decode graphs up to it (default 256). */
  maxNumSeqs?: number;
  /** GPU: run every step eagerly, capturing no graphs (vLLM's --enforce-eager). */
  enforceEager?: boolean;
  onProgress?: (progress: LoadProgress) => void;
}
