import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { jsSamplingKernels } from '../../src/sampling/js-sampling-kernels.js';
import { nativeSamplingKernels } from '../../src/sampling/native-sampling-kernels.js';
import { randomF32, rng } from '../helpers/random.js';

function tryNative() {
  try {
    return nativeSamplingKernels(loadAddon().ops);
  } catch {
    return null;
  }
}

const native = tryNative();

describe.skipIf(native === null)('native sampling kernels agree with the TypeScript reference', () => {
  const rows = 64, vocab = 1000;
  const r = rng(5);
  const topK = Int32Array.from({ length: rows }, (_, i) => (i % 4 === 0 ? 0 : 1 + Math.floor(r() * 50)));
  const topP = Float32Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 1 : 0.3 + 0.6 * r()));
  const minP = Float32Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? 0.05 * r() : 0));

  it('argmax', () => {
    const logits = randomF32(rows * vocab, 1, 5);
    const a = new Int32Array(rows), b = new Int32Array(rows);
    native!.argmax(logits, rows, vocab, a);
    jsSamplingKernels.argmax(logits, rows, vocab, b);
    expect(a).toEqual(b);
  });

  it('top-k / top-p / min-p masks and categorical draws', () => {
    const logits = randomF32(rows * vocab, 2, 5);
    const a = logits.slice(), b = logits.slice();
    native!.topKTopPMinP(a, rows, vocab, topK, topP, minP);
    jsSamplingKernels.topKTopPMinP(b, rows, vocab, topK, topP, minP);
    expect(Array.from(a, (x) => x === -Infinity)).toEqual(Array.from(b, (x) => x === -Infinity));
    const uniform = Float32Array.from({ length: rows }, () => r());
    const ta = new Int32Array(rows), tb = new Int32Array(rows);
    native!.sampleCategorical(a, rows, vocab, uniform, ta);
    jsSamplingKernels.sampleCategorical(b, rows, vocab, uniform, tb);
    expect(ta).toEqual(tb);
  });
});
