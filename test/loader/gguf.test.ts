import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ModelFileError } from '../../src/errors.js';
import { parseGguf, type Gguf } from '../../src/loader/gguf.js';
import { ggufNumber, ggufNumberArray, ggufString, ggufStringArray } from '../../src/loader/gguf-metadata.js';
import { ByteWriter } from './fixtures/byte-writer.js';
import { meta, writeGguf } from './fixtures/gguf-writer.js';
import { missingShared, sharedPath } from '../helpers/shared-data.js';

const VOCAB = 'tokenizers/llamacpp-vocab/ggml-vocab-llama-spm.gguf';
const STORIES = 'models/stories260K/stories260K.gguf';
const STORIES_CONFIG = 'models/stories260K/hf/config.json';

function parseShared(rel: string): Gguf {
  return parseGguf(readFileSync(sharedPath(rel)), sharedPath(rel));
}

function expectModelFileError(fn: () => unknown, field: string | RegExp): ModelFileError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ModelFileError);
  const err = caught as ModelFileError;
  expect(err.code).toBe('model_file_error');
  expect(err.message).toContain('test.gguf');
  if (typeof field === 'string') expect(err.field).toContain(field);
  else expect(err.field).toMatch(field);
  return err;
}

describe('parseGguf on real files', () => {
  it.skipIf(missingShared(VOCAB))('reads the llama SPM vocabulary', () => {
    const g = parseShared(VOCAB);
    expect(g.version).toBe(3);
    expect(g.tensors).toHaveLength(0);
    expect(ggufString(g, 'tokenizer.ggml.model')).toBe('llama');
    const tokens = ggufStringArray(g, 'tokenizer.ggml.tokens')!;
    expect(tokens).toHaveLength(ggufNumber(g, 'llama.vocab_size')!);
    expect(tokens.slice(0, 3)).toEqual(['<unk>', '<s>', '</s>']);
    expect(tokens[ggufNumber(g, 'tokenizer.ggml.bos_token_id')!]).toBe('<s>');
    expect(ggufNumberArray(g, 'tokenizer.ggml.scores')).toBeInstanceOf(Float32Array);
    expect(ggufNumberArray(g, 'tokenizer.ggml.scores')).toHaveLength(tokens.length);
    expect(ggufNumberArray(g, 'tokenizer.ggml.token_type')).toHaveLength(tokens.length);
    expect(g.metadata['tokenizer.ggml.add_bos_token']).toBe(true);
    // SentencePiece byte tokens <0x00>..<0xFF> are contiguous and typed BYTE (6).
    const types = ggufNumberArray(g, 'tokenizer.ggml.token_type')!;
    const first = tokens.indexOf('<0x00>');
    expect(tokens[first + 255]).toBe('<0xFF>');
    expect(types[first]).toBe(6);
  });

  it.skipIf(missingShared(STORIES) || missingShared(STORIES_CONFIG))('agrees with the HF config of stories260K', () => {
    const g = parseShared(STORIES);
    const hf = JSON.parse(readFileSync(sharedPath(STORIES_CONFIG), 'utf8')) as Record<string, number>;
    expect(ggufString(g, 'general.architecture')).toBe('llama');
    expect(ggufNumber(g, 'llama.embedding_length')).toBe(hf.hidden_size);
    expect(ggufNumber(g, 'llama.block_count')).toBe(hf.num_hidden_layers);
    expect(ggufNumber(g, 'llama.feed_forward_length')).toBe(hf.intermediate_size);
    expect(ggufNumber(g, 'llama.attention.head_count')).toBe(hf.num_attention_heads);
    expect(ggufNumber(g, 'llama.attention.head_count_kv')).toBe(hf.num_key_value_heads);
    expect(ggufStringArray(g, 'tokenizer.ggml.tokens')).toHaveLength(hf.vocab_size!);
    // llama: embeddings, final norm, output, and 9 tensors per layer.
    expect(g.tensors).toHaveLength(3 + 9 * hf.num_hidden_layers!);
    const embd = g.tensors.find((t) => t.name === 'token_embd.weight')!;
    expect(embd.dims).toEqual([hf.hidden_size, hf.vocab_size]);
    expect(embd.typeName).toBe('F32');
    const size = readFileSync(sharedPath(STORIES)).length;
    expect(g.dataOffset % g.alignment).toBe(0);
    for (const t of g.tensors) expect(g.dataOffset + t.offset + t.byteLength).toBeLessThanOrEqual(size);
  });
});

describe('parseGguf on crafted files', () => {
  const f32Data = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
  const valid = () => writeGguf({
    metadata: {
      'general.architecture': meta.str('llama'),
      'tokenizer.ggml.tokens': meta.arr('str', ['a', 'bé', '<s>']),
      'tokenizer.ggml.scores': meta.arr('f32', [0.5, -1, 2]),
      'x.i8s': meta.arr('i8', [-1, 2]),
      'x.u64': meta.u64(2n ** 60n),
      'x.flag': meta.bool(false),
    },
    tensors: [
      { name: 'a', dims: [2, 3], type: 0, data: f32Data([1, 2, 3, 4, 5, 6]) },
      { name: 'b', dims: [3], type: 0, data: f32Data([7, 8, 9]) },
    ],
  });

  it('round-trips metadata values and tensor infos', () => {
    const bytes = valid();
    const g = parseGguf(bytes, 'test.gguf');
    expect(g.metadata['tokenizer.ggml.tokens']).toEqual(['a', 'bé', '<s>']);
    expect(Array.from(g.metadata['tokenizer.ggml.scores'] as Float32Array)).toEqual([0.5, -1, 2]);
    expect(Array.from(g.metadata['x.i8s'] as Int8Array)).toEqual([-1, 2]);
    expect(g.metadata['x.u64']).toBe(2n ** 60n);
    expect(g.metadata['x.flag']).toBe(false);
    expect(g.tensors.map((t) => [t.name, t.dims, t.numElements, t.byteLength])).toEqual([['a', [2, 3], 6, 24], ['b', [3], 3, 12]]);
    const b = g.tensors[1]!;
    const start = g.dataOffset + b.offset;
    expect(Array.from(new Float32Array(bytes.slice(start, start + b.byteLength).buffer))).toEqual([7, 8, 9]);
  });

  it('honours general.alignment', () => {
    const bytes = writeGguf({ alignment: 64, tensors: [
      { name: 'a', dims: [3], type: 0, data: f32Data([1, 2, 3]) },
      { name: 'b', dims: [1], type: 0, data: f32Data([4]) },
    ] });
    const g = parseGguf(bytes, 'test.gguf');
    expect(g.alignment).toBe(64);
    expect(g.dataOffset % 64).toBe(0);
    expect(g.tensors[1]!.offset).toBe(64);
    expect(new Float32Array(bytes.slice(g.dataOffset + 64, g.dataOffset + 68).buffer)[0]).toBe(4);
  });

  it('rejects every truncation with a ModelFileError', () => {
    const bytes = valid();
    for (let n = 0; n < bytes.length; n++) {
      // The last tensor's padding is not data: dropping it is harmless.
      const g = parseGguf(bytes, 'test.gguf');
      const end = Math.max(...g.tensors.map((t) => g.dataOffset + t.offset + t.byteLength));
      if (n >= end) continue;
      expectModelFileError(() => parseGguf(bytes.subarray(0, n), 'test.gguf'), /./);
    }
  });

  it('names the magic and version', () => {
    const bytes = valid();
    bytes[0] = 0x58;
    expectModelFileError(() => parseGguf(bytes, 'test.gguf'), 'header.magic');
    for (const version of [1, 4, 0x03000000]) {
      expectModelFileError(() => parseGguf(writeGguf({ version }), 'test.gguf'), 'header.version');
    }
    expect(parseGguf(writeGguf({ version: 2 }), 'test.gguf').version).toBe(2);
  });

  const header = (tensorCount: bigint, kvCount: bigint) =>
    new ByteWriter().bytes(new TextEncoder().encode('GGUF')).u32(3).u64(tensorCount).u64(kvCount);

  it('bounds counts by the bytes left', () => {
    expectModelFileError(() => parseGguf(header(2n ** 62n, 0n).finish(), 'test.gguf'), 'tensor_count');
    expectModelFileError(() => parseGguf(header(0n, 2n ** 62n).finish(), 'test.gguf'), 'metadata_kv_count');
    expectModelFileError(() => parseGguf(header(0n, 2n ** 64n - 1n).finish(), 'test.gguf'), 'metadata_kv_count');
    for (const elem of [0, 6, 8, 9, 10]) {
      const w = header(0n, 1n).str('big').u32(9).u32(elem).u64(2n ** 40n).u64(0);
      expectModelFileError(() => parseGguf(w.finish(), 'test.gguf'), 'metadata.big.count');
    }
    const longString = header(0n, 1n).str('s').u32(8).u64(2n ** 50n).str('short');
    expectModelFileError(() => parseGguf(longString.finish(), 'test.gguf'), 'metadata.s');
    const longKey = header(0n, 1n).u64(1000).bytes(new Uint8Array(20));
    expectModelFileError(() => parseGguf(longKey.finish(), 'test.gguf'), 'metadata[0].key');
  });

  it('rejects malformed metadata', () => {
    expectModelFileError(() => parseGguf(header(0n, 1n).str('k').u32(13).u32(0).finish(), 'test.gguf'), 'metadata.k.type');
    expectModelFileError(() => parseGguf(header(0n, 1n).str('k').u32(9).u32(77).u64(0).finish(), 'test.gguf'), 'metadata.k.array_type');
    expectModelFileError(() => parseGguf(header(0n, 2n).str('k').u32(4).u32(1).str('k').u32(4).u32(1).finish(), 'test.gguf'), 'metadata.k');
    expectModelFileError(() => parseGguf(header(0n, 1n).str('k').u32(7).u8(2).finish(), 'test.gguf'), 'metadata.k');
    const deep = header(0n, 1n).str('k');
    for (let i = 0; i < 100; i++) deep.u32(9).u32(9).u64(1);
    expectModelFileError(() => parseGguf(deep.u32(9).u32(4).u64(0).finish(), 'test.gguf'), 'metadata.k');
    for (const a of [0, 3, 48]) {
      expectModelFileError(() => parseGguf(writeGguf({ metadata: { 'general.alignment': meta.u32(a) } }), 'test.gguf'), 'general.alignment');
    }
    expectModelFileError(() => parseGguf(writeGguf({ metadata: { 'general.alignment': meta.str('32') } }), 'test.gguf'), 'general.alignment');
    // A key that is special in JS stays plain data.
    const g = parseGguf(writeGguf({ metadata: { ['__proto__']: meta.u32(5), constructor: meta.str('x') } }), 'test.gguf');
    expect(g.metadata['__proto__']).toBe(5);
    expect(g.metadata['constructor']).toBe('x');
    expect(() => ggufNumber(g, 'constructor')).toThrow(ModelFileError);
  });

  const oneTensor = (dims: Array<number | bigint>, type: number, offset: bigint | number, dataBytes = 64) => {
    const w = header(1n, 0n).str('t').u32(dims.length);
    for (const d of dims) w.u64(d);
    return w.u32(type).u64(offset).padTo(32).bytes(new Uint8Array(dataBytes)).finish();
  };

  it('rejects hostile tensor infos', () => {
    expect(parseGguf(oneTensor([16], 0, 0), 'test.gguf').tensors[0]!.byteLength).toBe(64);
    expectModelFileError(() => parseGguf(oneTensor([17], 0, 0), 'test.gguf'), 'tensor "t".offset');
    expectModelFileError(() => parseGguf(oneTensor([4], 0, 64), 'test.gguf'), 'tensor "t".offset');
    expectModelFileError(() => parseGguf(oneTensor([4], 0, 2n ** 63n), 'test.gguf'), 'tensor "t".offset');
    expectModelFileError(() => parseGguf(oneTensor([4], 0, 4), 'test.gguf'), 'tensor "t".offset');
    expectModelFileError(() => parseGguf(oneTensor([2n ** 40n, 2n ** 40n], 0, 0), 'test.gguf'), 'tensor "t".dims');
    expectModelFileError(() => parseGguf(oneTensor([2n ** 62n], 0, 0), 'test.gguf'), 'tensor "t".dims[0]');
    expectModelFileError(() => parseGguf(oneTensor([1, 1, 1, 1, 1], 0, 0), 'test.gguf'), 'tensor "t".n_dims');
    expectModelFileError(() => parseGguf(oneTensor([16], 99, 0), 'test.gguf'), 'tensor "t".type');
    expectModelFileError(() => parseGguf(oneTensor([16], 8, 0), 'test.gguf'), 'tensor "t".dims[0]');
    const twoOverlapping = header(2n, 0n).str('a').u32(1).u64(16).u32(0).u64(0).str('b').u32(1).u64(8).u32(0).u64(32)
      .padTo(32).bytes(new Uint8Array(128)).finish();
    expectModelFileError(() => parseGguf(twoOverlapping, 'test.gguf'), 'tensor "b".offset');
    const duplicate = header(2n, 0n).str('a').u32(1).u64(8).u32(0).u64(0).str('a').u32(1).u64(8).u32(0).u64(32)
      .padTo(32).bytes(new Uint8Array(128)).finish();
    expectModelFileError(() => parseGguf(duplicate, 'test.gguf'), 'tensor "a"');
  });

  it('never throws anything but ModelFileError on corrupted bytes', () => {
    const bytes = valid();
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      (edits) => {
        const copy = bytes.slice();
        for (const [at, v] of edits) copy[at] = v;
        try {
          parseGguf(copy, 'test.gguf');
        } catch (e) {
          if (!(e instanceof ModelFileError)) throw e;
        }
      },
    ), { numRuns: 2000 });
  });
});
