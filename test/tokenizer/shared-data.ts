/** Paths into node_modules for tokenizer files, and llama.cpp's tokenizer vector format. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function nodeModulePath(relative: string): string {
  return fileURLToPath(new URL(`../../node_modules/${relative}`, import.meta.url));
}

export interface TokenizerVector {
  readonly text: string;
  readonly ids: readonly number[];
}

/**
 * llama.cpp's test-tokenizer-0 format: `.inp` holds the texts separated by "\n__ggml_vocab_test__\n", `.out` one
 * line of space-separated ids per text (without BOS).
 */
export function readTokenizerVectors(inpFile: string, outFile: string): TokenizerVector[] {
  const raw = readFileSync(inpFile, 'utf8');
  const sep = '\n__ggml_vocab_test__\n';
  const texts: string[] = [];
  for (let pos = 0; pos < raw.length;) {
    const next = raw.indexOf(sep, pos);
    if (next < 0) {
      texts.push(raw.slice(pos));
      break;
    }
    texts.push(raw.slice(pos, next));
    pos = next + sep.length;
  }
  const lines = readFileSync(outFile, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length !== texts.length) throw new Error(`${inpFile}: ${texts.length} texts but ${lines.length} id lines`);
  return texts.map((text, i) => {
    const line = lines[i]!.trim();
    return { text, ids: line === '' ? [] : line.split(' ').map(Number) };
  });
}
