/**
 * GPT-2's reversible byte <-> printable character map (bytes_to_unicode): byte-level BPE vocabularies store every
 * token as these characters, so " hello" is "Ġhello" and "\n" is "Ċ".
 */
const BYTE_TO_CHAR: readonly string[] = (() => {
  const chars: string[] = new Array<string>(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars[b] = String.fromCharCode(printable ? b : next++);
  }
  return chars;
})();

const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

const utf8 = new TextEncoder();

/** The byte-level form of a text: its UTF-8 bytes, one character each. */
export function toByteLevel(text: string): string {
  let out = '';
  for (const b of utf8.encode(text)) out += BYTE_TO_CHAR[b]!;
  return out;
}

/** The bytes a byte-level token stands for; a character outside the map contributes its own UTF-8 bytes. */
export function fromByteLevel(token: string, out: number[]): void {
  for (const ch of token) {
    const b = CHAR_TO_BYTE.get(ch);
    if (b !== undefined) out.push(b);
    else out.push(...utf8.encode(ch));
  }
}
