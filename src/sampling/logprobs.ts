/** A token's log-probability and its rank (1 = most likely) at one position. */
export interface TokenLogprob {
  readonly tokenId: number;
  readonly logprob: number;
  readonly rank: number;
}

/** One position: the sampled (or, for prompts, the actual) token, then the `k` most likely tokens, best first. */
export interface PositionLogprobs {
  readonly token: TokenLogprob;
  readonly top: readonly TokenLogprob[];
}

/** log(sum(exp(row))), stable for large logits; -Infinity for an all -inf row. */
export function logSumExp(row: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) max = row[i]!;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! - max);
  return max + Math.log(sum);
}

/** Indices of the `k` largest values, largest first (lowest index first among equals). */
export function topKIndices(row: Float32Array, k: number): number[] {
  const n = Math.min(k, row.length);
  const best: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const value = row[i]!;
    if (best.length === n) {
      if (!(value > row[best[n - 1]!]!)) continue;
      best.pop();
    }
    let j = best.length;
    best.push(i);
    while (j > 0 && value > row[best[j - 1]!]!) {
      best[j] = best[j - 1]!;
      j--;
    }
    best[j] = i;
  }
  return best;
}

/** 1 + the number of tokens strictly more likely than `tokenId`. */
export function rankOf(row: Float32Array, tokenId: number): number {
  const value = row[tokenId]!;
  let rank = 1;
  for (let i = 0; i < row.length; i++) if (row[i]! > value) rank++;
  return rank;
}

/** Logprobs at one position from raw logits: `tokenId`'s and the `k` best, from log_softmax of `row`. */
export function positionLogprobs(row: Float32Array, tokenId: number, k: number, lse = logSumExp(row)): PositionLogprobs {
  const top = k > 0 ? topKIndices(row, k).map((id, i) => ({ tokenId: id, logprob: row[id]! - lse, rank: i + 1 })) : [];
  return { token: { tokenId, logprob: row[tokenId]! - lse, rank: rankOf(row, tokenId) }, top };
}
