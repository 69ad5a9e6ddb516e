import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { sseData } from '../../src/bench/serve/sse-events.js';

async function collect(chunks: Uint8Array[]): Promise<string[]> {
  const events: string[] = [];
  for await (const data of sseData((async function* () { yield* chunks; })())) events.push(data);
  return events;
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    parts.push(bytes.slice(prev, p));
    prev = p;
  }
  return parts;
}

describe('SSE data events', () => {
  const payloads = ['{"text":"héllo 🌍"}', '{"a":1}', '[DONE]'];

  it('come out whole however the bytes are split, with any line ending', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('\n', '\r\n', '\r'), fc.array(fc.nat(400), { maxLength: 12 }), async (eol, cuts) => {
      const text = `: ping${eol}${eol}` + payloads.map((p) => `event: message${eol}data: ${p}${eol}${eol}`).join('');
      expect(await collect(splitAt(new TextEncoder().encode(text), cuts))).toEqual(payloads);
    }));
  });

  it('join multi-line data and keep a final event without a blank line', async () => {
    const text = 'data: first\ndata:second\n\nid: 3\ndata: last';
    expect(await collect([new TextEncoder().encode(text)])).toEqual(['first\nsecond', 'last']);
  });
});
