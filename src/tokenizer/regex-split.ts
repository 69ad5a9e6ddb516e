/**
 * Pre-tokenization by a sequence of regexes, as llama.cpp's unicode_regex_split and Hugging Face's
 * Split(behavior = Isolated): each regex splits every piece left by the previous one into its matches and the text
 * between them, so nothing is dropped.
 *
 *   "Hello 42!"  --/\p{N}+/-->  ["Hello ", "42", "!"]  --/ ?\p{L}+/-->  ["Hello", " ", "42", "!"]
 */
export function splitWithRegexes(text: string, regexes: readonly RegExp[]): string[] {
  let pieces = [text];
  for (const re of regexes) {
    const next: string[] = [];
    for (const piece of pieces) splitOne(piece, re, next);
    pieces = next;
  }
  return pieces;
}

/** `re` must have the g and u flags. */
function splitOne(text: string, re: RegExp, out: string[]): void {
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m[0].length === 0) continue;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
}
