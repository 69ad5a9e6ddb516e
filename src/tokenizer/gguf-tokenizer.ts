/** The tokenizer for a GGUF-embedded vocabulary, by `tokenizer.ggml.model`. */
import { HipserveError } from '../errors.js';
import type { Gguf } from '../loader/gguf.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { ggufVocab, type GgufVocab } from './gguf-vocab.js';
import { SpmTokenizer } from './spm-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';
import { WpmTokenizer } from './wpm-tokenizer.js';

export function tokenizerFromVocab(vocab: GgufVocab): Tokenizer {
  switch (vocab.model) {
    case 'llama': return new SpmTokenizer(vocab);
    case 'gpt2': return new BpeTokenizer(vocab);
    case 'bert': return new WpmTokenizer(vocab);
    default:
      throw new HipserveError('unsupported',
        `${vocab.file}: tokenizer.ggml.model: ${JSON.stringify(vocab.model)} vocabularies are not supported (llama, gpt2, bert are)`);
  }
}

export function tokenizerFromGguf(gguf: Gguf): Tokenizer {
  return tokenizerFromVocab(ggufVocab(gguf));
}
