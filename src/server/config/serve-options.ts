/** `hipserve serve` options after parsing, before the model is known. Names follow vLLM's flags. */
export interface ServeOptions {
  readonly model: string;
  readonly host: string;
  readonly port: number;
  readonly servedModelName: readonly string[] | null;
  readonly maxModelLen: number | null;
  readonly maxNumSeqs: number | null;
  readonly maxNumBatchedTokens: number | null;
  readonly numGpuBlocksOverride: number | null;
  readonly kvCacheMemory: number | null;
  readonly blockSize: number | null;
  readonly tensorParallelSize: number;
  readonly gpuMemoryUtilization: number;
  readonly enforceEager: boolean;
  readonly kvCacheDtype: string;
  readonly dtype: string;
  readonly enablePrefixCaching: boolean;
  readonly apiKey: readonly string[];
  readonly chatTemplate: string | null;
  /** 'auto' (the model's generation_config.json), 'vllm' (none), or a folder holding generation_config.json. */
  readonly generationConfig: string;
  readonly trustRemoteCode: boolean;
  readonly seed: number | null;
  readonly maxLogprobs: number;
  readonly disableLogRequests: boolean;
}

export const KV_CACHE_DTYPES = ['auto', 'fp8', 'fp8_e4m3', 'fp8_e5m2', 'bfloat16', 'float16'] as const;
export const DTYPES = ['auto', 'half', 'float16', 'bfloat16', 'float', 'float32'] as const;
