import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { StopStringMatcher } from '../../src/sampling/stop-strings.js';

/** Streams `pieces` through a matcher; returns what was streamed and the stop string hit. */
function stream(stops: string[], include: boolean, pieces: string[]): { text: string; stop: string | null; streamed: string[] } {
  const m = new StopStringMatcher(stops, include);
  const streamed: string[] = [];
  for (const p of pieces) {
    const r = m.push(p);
    streamed.push(r.text);
    if (r.stop !== null) return { text: streamed.join(''), stop: r.stop, streamed };
  }
  streamed.push(m.flush());
  return { text: streamed.join(''), stop: null, streamed };
}

describe('StopStringMatcher', () => {
  it('cuts before the stop string, or after it when asked', () => {
    expect(stream(['END'], false, ['hello E', 'N', 'D tail'])).toMatchObject({ text: 'hello ', stop: 'END' });
    expect(stream(['END'], true, ['hello E', 'N', 'D tail'])).toMatchObject({ text: 'hello END', stop: 'END' });
  });

  it('holds back a partial stop string and releases it once it cannot match', () => {
    const r = stream(['END'], false, ['abc E', 'N', 'x', 'y']);
    expect(r.streamed).toEqual(['abc ', '', 'ENx', 'y', '']);
    expect(r.stop).toBeNull();
  });

  it('releases the held tail when the output ends another way', () => {
    expect(stream(['END'], false, ['abc EN'])).toEqual({ text: 'abc EN', stop: null, streamed: ['abc ', 'EN'] });
  });

  it('takes the earliest of several stop strings', () => {
    expect(stream(['yz', 'x'], false, ['abxyz'])).toMatchObject({ text: 'ab', stop: 'x' });
  });

  it('streams exactly the text before the first stop string to appear, however the text is split', () => {
    const alphabet = fc.constantFrom('a', 'b', 'c');
    fc.assert(fc.property(fc.array(fc.string({ unit: alphabet, maxLength: 4 }), { maxLength: 12 }),
      fc.array(fc.string({ unit: alphabet, minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }), (pieces, stops) => {
        // Reference: after each piece, the earliest occurrence of any stop string in the text so far ends it.
        let expected = pieces.join(''), expectedStop: string | null = null;
        for (let k = 1; k <= pieces.length && expectedStop === null; k++) {
          const text = pieces.slice(0, k).join('');
          let at = -1;
          for (const s of stops) {
            const i = text.indexOf(s);
            if (i >= 0 && (at < 0 || i < at)) [at, expectedStop] = [i, s];
          }
          if (at >= 0) expected = text.slice(0, at);
        }
        const r = stream(stops, false, pieces);
        expect(r.text).toBe(expected);
        expect(r.stop).toBe(expectedStop);
      }));
  });
});
