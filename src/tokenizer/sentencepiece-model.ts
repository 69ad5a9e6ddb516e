/**
 * Reads a SentencePiece tokenizer.model (a protobuf ModelProto) into the vocabulary shape the GGUF tokenizers use,
 * for Hugging Face folders that ship only tokenizer.model (older Llama 2 repositories). Only BPE models are
 * supported: their encoding is llama.cpp's SPM algorithm; unigram models (T5, ...) are not.
 *
 *   ModelProto      { 1: repeated SentencePiece pieces, 2: TrainerSpec, 3: NormalizerSpec }
 *   SentencePiece   { 1: string piece, 2: float score, 3: Type type (NORMAL = 1 ... BYTE = 6, as llama.cpp's) }
 *   TrainerSpec     { 3: ModelType model_type (BPE = 2), 40: unk_id, 41: bos_id, 42: eos_id, 43: pad_id }
 *   NormalizerSpec  { 3: bool add_dummy_prefix (default true), 4: bool remove_extra_whitespaces }
 */
import { HipserveError, ModelFileError } from '../errors.js';
import { TokenType, type GgufVocab } from './gguf-vocab.js';

const MODEL_TYPE_BPE = 2;
const utf8 = new TextDecoder('utf-8');

/**
 * A protobuf field: varints as their low 32 bits, signed (every varint read here is an int32, enum or bool;
 * a negative int32 is a 10-byte varint), fixed32 as a float, length-delimited as bytes.
 */
type Field = { readonly no: number; readonly varint: number } | { readonly no: number; readonly bytes: Uint8Array }
  | { readonly no: number; readonly f32: number };

function* fields(buf: Uint8Array, file: string): Generator<Field> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const varint = (): number => {
    let low = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= buf.length || shift > 63) throw new ModelFileError(file, 'protobuf', 'truncated or overlong varint');
      const b = buf[pos++]!;
      if (shift < 32) low |= (b & 0x7f) << shift;
      if (b < 0x80) return low;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const no = key >>> 3;
    switch (key & 7) {
      case 0: yield { no, varint: varint() }; break;
      case 1: pos += 8; break;
      case 2: {
        const n = varint();
        if (n < 0 || pos + n > buf.length) throw new ModelFileError(file, 'protobuf', `field ${no} runs past the end`);
        yield { no, bytes: buf.subarray(pos, pos + n) };
        pos += n;
        break;
      }
      case 5:
        if (pos + 4 > buf.length) throw new ModelFileError(file, 'protobuf', `field ${no} runs past the end`);
        yield { no, f32: view.getFloat32(pos, true) };
        pos += 4;
        break;
      default: throw new ModelFileError(file, 'protobuf', `unsupported wire type ${key & 7} for field ${no}`);
    }
  }
  if (pos > buf.length) throw new ModelFileError(file, 'protobuf', 'truncated');
}

export function parseSentencePieceModel(bytes: Uint8Array, file: string): GgufVocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const trainer = new Map<number, number>();
  const normalizer = new Map<number, number>();
  for (const f of fields(bytes, file)) {
    if (!('bytes' in f)) continue;
    if (f.no === 1) {
      let piece = '';
      let score = 0;
      let type: number = TokenType.Normal;
      for (const p of fields(f.bytes, file)) {
        if (p.no === 1 && 'bytes' in p) piece = utf8.decode(p.bytes);
        else if (p.no === 2 && 'f32' in p) score = p.f32;
        else if (p.no === 3 && 'varint' in p) type = p.varint;
      }
      tokens.push(piece);
      scores.push(score);
      types.push(type);
    } else if (f.no === 2 || f.no === 3) {
      for (const p of fields(f.bytes, file)) if ('varint' in p) (f.no === 2 ? trainer : normalizer).set(p.no, p.varint);
    }
  }
  if (tokens.length === 0) throw new ModelFileError(file, 'pieces', 'no vocabulary (not a SentencePiece model?)');
  const modelType = trainer.get(3) ?? 1;
  if (modelType !== MODEL_TYPE_BPE) {
    throw new HipserveError('unsupported', `${file}: trainer_spec.model_type ${modelType}: only SentencePiece BPE models are supported`);
  }
  const id = (field: number, fallback: number): number | null => {
    const v = trainer.get(field) ?? fallback;
    return v >= 0 && v < tokens.length ? v : null;
  };
  return {
    file,
    model: 'llama',
    pre: null,
    tokens,
    scores: Float32Array.from(scores),
    tokenTypes: Int32Array.from(types),
    merges: null,
    bosTokenId: id(41, 1),
    eosTokenId: id(42, 2),
    eotTokenId: null,
    eomTokenId: null,
    unkTokenId: id(40, 0),
    sepTokenId: null,
    padTokenId: id(43, -1),
    clsTokenId: null,
    addBosToken: null,
    addEosToken: null,
    addSepToken: null,
    addSpacePrefix: (normalizer.get(3) ?? 1) === 1,
    chatTemplates: {},
  };
}
