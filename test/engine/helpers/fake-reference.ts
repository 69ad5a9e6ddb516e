import { fakeKv, fakeLogits } from '../../../src/engine/fake-causal-lm.js';

/** Greedy continuation of the fake model computed straight from the token sequence, without any cache. */
export function referenceGreedy(prompt: readonly number[], maxTokens: number, vocabSize: number, eos: number | null): number[] {
  let kv = 0;
  prompt.forEach((t, p) => (kv = fakeKv(kv, t, p)));
  const logits = new Float32Array(vocabSize);
  const out: number[] = [];
  for (let pos = prompt.length; out.length < maxTokens; pos++) {
    fakeLogits(kv, logits);
    let best = 0;
    for (let v = 1; v < vocabSize; v++) if (logits[v]! > logits[best]!) best = v;
    out.push(best);
    if (best === eos) break;
    kv = fakeKv(kv, best, pos);
  }
  return out;
}
