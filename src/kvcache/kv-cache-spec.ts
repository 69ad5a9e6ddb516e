/**
 * How one KV-cache group lays tokens into blocks. All groups share the block pool and the block size; each request
 * has one block table per group.
 *   full_attention  every token's K/V stays for the request's lifetime
 *   sliding_window  only the last `slidingWindow` tokens are read; older blocks return to the pool
 *   mla             one latent vector per token (DeepSeek-V3 MLA): accounted like full attention
 */
export type KVCacheSpec =
  | { readonly type: 'full_attention' }
  | { readonly type: 'mla' }
  | { readonly type: 'sliding_window'; readonly slidingWindow: number };

export interface KVCacheConfig {
  /** Blocks in the pool, including the null block 0. */
  readonly numBlocks: number;
  /** Tokens per block (default 16). */
  readonly blockSize: number;
  readonly groups: readonly KVCacheSpec[];
}

export const DEFAULT_BLOCK_SIZE = 16;

export const FULL_ATTENTION: KVCacheSpec = { type: 'full_attention' };
