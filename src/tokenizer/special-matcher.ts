/**
 * Splits text around special-token strings, leftmost-longest (as Hugging Face's added-token matcher):
 *
 *   "<|im_start|>user\nhi<|im_end|>"  ->  [id(<|im_start|>), "user\nhi", id(<|im_end|>)]
 */
export type Fragment = string | number;

interface TrieNode {
  readonly next: Map<number, TrieNode>;
  id: number | null;
}

export class SpecialMatcher {
  private readonly root: TrieNode = { next: new Map(), id: null };

  /** The first id given for a string wins. */
  constructor(entries: Iterable<readonly [text: string, id: number]>) {
    for (const [text, id] of entries) {
      if (text.length === 0) continue;
      let node = this.root;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        let child = node.next.get(c);
        if (!child) node.next.set(c, (child = { next: new Map(), id: null }));
        node = child;
      }
      node.id ??= id;
    }
  }

  /** Text pieces (never empty) and token ids, in order. */
  split(text: string): Fragment[] {
    const out: Fragment[] = [];
    if (this.root.next.size === 0) return text.length > 0 ? [text] : out;
    let start = 0;
    for (let i = 0; i < text.length;) {
      const match = this.longestAt(text, i);
      if (!match) {
        i++;
        continue;
      }
      if (i > start) out.push(text.slice(start, i));
      out.push(match.id);
      i += match.length;
      start = i;
    }
    if (start < text.length) out.push(text.slice(start));
    return out;
  }

  private longestAt(text: string, pos: number): { id: number; length: number } | null {
    let node: TrieNode | undefined = this.root;
    let best: { id: number; length: number } | null = null;
    for (let i = pos; i < text.length; i++) {
      node = node.next.get(text.charCodeAt(i));
      if (!node) break;
      if (node.id !== null) best = { id: node.id, length: i + 1 - pos };
    }
    return best;
  }
}
