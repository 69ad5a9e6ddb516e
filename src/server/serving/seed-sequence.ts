/**
 * `--seed`: requests that give no seed draw theirs from this sequence (splitmix32), so a server started with the
 * same seed and sent the same requests in the same order answers the same way.
 */
export function seedSequence(seed: number): () => number {
  let state = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}
