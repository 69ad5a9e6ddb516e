import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { Tensor } from '../../bindings/tensor.js';
import { randomF32 } from '../helpers/random.js';

const { opsAsync } = loadAddon();

describe('asynchronous calls', () => {
  it('use the index inputs as they were at the call, whatever JS writes into them afterwards', async () => {
    const vocab = 64, hidden = 4096, tokens = 512;
    const table = Tensor.f32([vocab, hidden], randomF32(vocab * hidden, 1));
    const ids = Tensor.i32([tokens], Array.from({ length: tokens }, (_, i) => (i * 7) % vocab));
    const original = ids.data.slice();
    const out = Tensor.f32([tokens, hidden]);
    const pending = opsAsync.embedding(ids, table, out);
    ids.data.fill(1 << 30);  // far outside the table: following these would read out of bounds
    await pending;
    for (const t of [0, 1, tokens - 1]) {
      const row = original[t]!;
      expect(out.data.subarray(t * hidden, (t + 1) * hidden)).toEqual(table.data.subarray(row * hidden, (row + 1) * hidden));
    }
  });
});
