export interface StopStringResult {
  /** Text that may be streamed now. */
  readonly text: string;
  /** The stop string that ended the output, or null. */
  readonly stop: string | null;
}

/**
 * Finds stop strings in streamed text. A tail that could still grow into a stop string is held back, so a partial
 * stop string is never streamed; the output is cut before the stop string (or after it, when it is to be included).
 */
export class StopStringMatcher {
  private held = '';
  private stopped = false;

  constructor(private readonly stops: readonly string[], private readonly includeStop: boolean) {}

  push(delta: string): StopStringResult {
    if (this.stopped) return { text: '', stop: null };
    const text = this.held + delta;
    let at = -1, stop: string | null = null;
    for (const s of this.stops) {
      const i = text.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) {
        at = i;
        stop = s;
      }
    }
    if (stop !== null) {
      this.stopped = true;
      this.held = '';
      return { text: text.slice(0, this.includeStop ? at + stop.length : at), stop };
    }
    const keep = this.partialMatchLength(text);
    this.held = text.slice(text.length - keep);
    return { text: text.slice(0, text.length - keep), stop: null };
  }

  /** Releases the held-back tail once no more text will come. */
  flush(): string {
    const text = this.held;
    this.held = '';
    return text;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
  private partialMatchLength(text: string): number {
    let best = 0;
    for (const s of this.stops) {
      for (let len = Math.min(s.length - 1, text.length); len > best; len--) {
        if (text.endsWith(s.slice(0, len))) {
          best = len;
          break;
        }
      }
    }
    return best;
  }
}
