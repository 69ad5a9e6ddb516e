import { describe, expect, it } from 'vitest';

import { appendBlockHashes, hashBlockTokens } from '../../src/kvcache/block-hash.js';

describe('block hashes', () => {
  it('chain over parents, so equal blocks after different prefixes differ', () => {
    const a: string[] = [], b: string[] = [];
    appendBlockHashes(a, [1, 2, 3, 4, 5, 6, 7, 8], 4, null);
    appendBlockHashes(b, [9, 2, 3, 4, 5, 6, 7, 8], 4, null);
    expect(a).toHaveLength(2);
    expect(a[0]).not.toBe(b[0]);
    expect(a[1]).not.toBe(b[1]);
    expect(a[1]).toBe(hashBlockTokens(a[0]!, [5, 6, 7, 8], null));
  });

  it('hash only full blocks, incrementally, and mix in extra keys', () => {
    const h: string[] = [];
    appendBlockHashes(h, [1, 2, 3], 4, null);
    expect(h).toHaveLength(0);
    appendBlockHashes(h, [1, 2, 3, 4, 5], 4, null);
    expect(h).toEqual([hashBlockTokens(null, [1, 2, 3, 4], null)]);
    expect(hashBlockTokens(null, [1, 2, 3, 4], ['lora-a'])).not.toBe(h[0]);
    expect(hashBlockTokens(null, [1, 2, 3, 4], ['lora-a'])).not.toBe(hashBlockTokens(null, [1, 2, 3, 4], ['lora-b']));
  });
});
