import { createHash } from 'node:crypto';

/**
 * A full block's identity for the prefix cache: a SHA-256 chained over the parent block's hash, the block's token
 * ids and extra keys (adapter names, image hashes, a cache salt), so equal hashes mean equal prefixes.
 *
 *   h0 = H(ROOT, tokens[0..16), extra)   h1 = H(h0, tokens[16..32), extra)   ...
 */
export type BlockHash = string;

/** A block hash qualified by its KV-cache group: the same tokens hold different KV in different groups. */
export type BlockHashKey = string;

const ROOT = 'hipserve-kv-root';

export function hashBlockTokens(parent: BlockHash | null, tokenIds: readonly number[], extraKeys: readonly string[] | null):
  BlockHash {
  const h = createHash('sha256');
  h.update(parent ?? ROOT);
  h.update(new Uint8Array(Int32Array.from(tokenIds).buffer));
  if (extraKeys !== null && extraKeys.length > 0) h.update(JSON.stringify(extraKeys));
  return h.digest('base64');
}

export function blockHashKey(hash: BlockHash, groupId: number): BlockHashKey {
  return `${groupId}:${hash}`;
}

/** Extends `hashes` with the hashes of every block of `tokenIds` that became full since the last call. */
export function appendBlockHashes(hashes: BlockHash[], tokenIds: readonly number[], blockSize: number,
  extraKeys: readonly string[] | null): void {
  for (let start = hashes.length * blockSize; start + blockSize <= tokenIds.length; start += blockSize) {
    hashes.push(hashBlockTokens(hashes.at(-1) ?? null, tokenIds.slice(start, start + blockSize), extraKeys));
  }
}
