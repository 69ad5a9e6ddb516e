import { statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { f32ToBf16, toF16Array } from '../../bindings/half.js';
import { HipserveError, ModelFileError } from '../../src/errors.js';
import { parseSafetensors, SAFETENSORS_MAX_HEADER_BYTES } from '../../src/loader/safetensors.js';
import { SafetensorsWeights } from '../../src/loader/safetensors-weights.js';
import type { WeightTensor } from '../../src/loader/weights.js';
import { ByteWriter } from './fixtures/byte-writer.js';
import { tempDir, writeSafetensors, type SafetensorsSpec } from './fixtures/safetensors-writer.js';

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const asF32 = (t: WeightTensor) => Array.from(new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4));
const tmp = tempDir();
afterAll(() => tmp.cleanup());

const every: SafetensorsSpec[] = [
  { name: 'f32', dtype: 'F32', shape: [2, 3], data: bytesOf(new Float32Array([1, 2, 3, 4, 5, 6])) },
  { name: 'f16', dtype: 'F16', shape: [2], data: bytesOf(toF16Array([1.5, -2])) },
  { name: 'bf16', dtype: 'BF16', shape: [2], data: bytesOf(Uint16Array.from([1.5, -2], f32ToBf16)) },
  { name: 'e4m3', dtype: 'F8_E4M3', shape: [3], data: new Uint8Array([0x38, 0xb8, 0x7e]) },
  { name: 'e5m2', dtype: 'F8_E5M2', shape: [1], data: new Uint8Array([0x3c]) },
  { name: 'u8', dtype: 'U8', shape: [2], data: new Uint8Array([0, 255]) },
  { name: 'i8', dtype: 'I8', shape: [2], data: new Uint8Array([0x80, 0x7f]) },
  { name: 'i64', dtype: 'I64', shape: [1], data: bytesOf(new BigInt64Array([-5n])) },
  { name: 'f64', dtype: 'F64', shape: [1], data: bytesOf(new Float64Array([1])) },
];

describe('SafetensorsWeights', () => {
  it('serves every loadable dtype as stored, as views of the mapped file', () => {
    const file = tmp.write('every.safetensors', writeSafetensors(every, { metadata: { format: 'pt' } }));
    const w = SafetensorsWeights.openFiles([file]);
    expect(w.names().sort()).toEqual(every.map((t) => t.name).sort());
    const expectDtype = { f32: 'f32', f16: 'f16', bf16: 'bf16', e4m3: 'fp8_e4m3', e5m2: 'fp8_e5m2', u8: 'u8', i8: 'i8', i64: 'i64' };
    for (const [name, dtype] of Object.entries(expectDtype)) {
      const t = w.get(name);
      const spec = every.find((s) => s.name === name)!;
      expect([t.dtype, t.shape, Array.from(t.data)]).toEqual([dtype, spec.shape, Array.from(spec.data)]);
      const elementBytes = spec.data.length / spec.shape.reduce((a, b) => a * b, 1);
      expect(t.data.byteOffset % elementBytes).toBe(0);
    }
    expect(w.get('u8').data.buffer.byteLength).toBe(statSync(file).size);
    expect(asF32(w.get('f32'))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => w.get('f64')).toThrow(HipserveError);
    expect(() => w.get('f64')).toThrow(/every\.safetensors.*F64/);
    expect(() => w.get('nope')).toThrow(ModelFileError);
  });

  it('copies tensors whose data starts misaligned', () => {
    for (let pad = 0; pad < 4; pad++) {
      const file = tmp.write(`pad${pad}.safetensors`, writeSafetensors([every[5]!, every[0]!], { headerPad: pad }));
      const t = SafetensorsWeights.openFiles([file]).get('f32');
      expect(t.data.byteOffset % 4).toBe(0);
      expect(asF32(t)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('reads sharded checkpoints through model.safetensors.index.json', () => {
    tmp.write('model-00001-of-00002.safetensors', writeSafetensors(every.slice(0, 2)));
    tmp.write('model-00002-of-00002.safetensors', writeSafetensors(every.slice(2, 4)));
    const index = tmp.write('model.safetensors.index.json', JSON.stringify({
      metadata: { total_size: 0 },
      weight_map: { f32: 'model-00001-of-00002.safetensors', f16: 'model-00001-of-00002.safetensors', bf16: 'model-00002-of-00002.safetensors', e4m3: 'model-00002-of-00002.safetensors' },
    }));
    const w = SafetensorsWeights.openIndex(index);
    expect(w.names()).toEqual(['f32', 'f16', 'bf16', 'e4m3']);
    expect(asF32(w.get('f32'))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(w.get('e4m3').data)).toEqual([0x38, 0xb8, 0x7e]);
  });

  it('rejects hostile indexes', () => {
    const bad = (name: string, content: string) => () => SafetensorsWeights.openIndex(tmp.write(name, content));
    expect(bad('i1.json', '{')).toThrow(/i1\.json: index/);
    expect(bad('i2.json', '{"weight_map": []}')).toThrow(/weight_map/);
    expect(bad('i3.json', '{"weight_map": {"f32": "../etc/passwd"}}')).toThrow(/weight_map\.f32/);
    expect(bad('i4.json', '{"weight_map": {"f32": "/etc/passwd"}}')).toThrow(/weight_map\.f32/);
    expect(bad('i5.json', '{"weight_map": {"missing": "model-00001-of-00002.safetensors"}}')).toThrow(/weight_map\.missing.*not in/);
    expect(bad('i6.json', '{"weight_map": {"x": "absent.safetensors"}}')).toThrow(ModelFileError);
    expect(() => SafetensorsWeights.openFiles([path.join(tmp.dir, 'every.safetensors'), path.join(tmp.dir, 'pad0.safetensors')]))
      .toThrow(/pad0\.safetensors: \w+: tensor also in .*every\.safetensors/);
  });
});

describe('parseSafetensors on hostile files', () => {
  const valid = writeSafetensors(every.slice(0, 3));
  const withHeader = (json: string, dataBytes = 0) => {
    const b = new TextEncoder().encode(json);
    return new ByteWriter().u64(b.length).bytes(b).bytes(new Uint8Array(dataBytes)).finish();
  };
  const fails = (bytes: Uint8Array, field: string | RegExp) => {
    let err: unknown;
    try {
      parseSafetensors(bytes, 'test.safetensors');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as Error).message).toContain('test.safetensors');
    if (typeof field === 'string') expect((err as ModelFileError).field).toBe(field);
    else expect((err as ModelFileError).field).toMatch(field);
  };

  it('rejects every truncation', () => {
    for (let n = 0; n < valid.length; n++) fails(valid.subarray(0, n), /header_size|header|data_offsets/);
  });

  it('bounds the header size', () => {
    fails(new ByteWriter().u64(SAFETENSORS_MAX_HEADER_BYTES + 1).finish(), 'header_size');
    fails(new ByteWriter().u64(2n ** 63n).finish(), 'header_size');
    fails(new ByteWriter().u64(100).bytes(new Uint8Array(10)).finish(), 'header_size');
  });

  it('rejects malformed headers and entries', () => {
    fails(withHeader('{"a": '), 'header');
    fails(withHeader('[1, 2]'), 'header');
    fails(withHeader('{"__metadata__": {"k": 1}}'), '__metadata__.k');
    fails(withHeader('{"a": 5}'), 'a');
    fails(withHeader('{"a": {"dtype": "F7", "shape": [1], "data_offsets": [0, 1]}}', 1), 'a.dtype');
    fails(withHeader('{"a": {"shape": [1], "data_offsets": [0, 4]}}', 4), 'a.dtype');
    fails(withHeader('{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}', 4), 'a.shape');
    fails(withHeader('{"a": {"dtype": "F32", "shape": [1099511627776, 1099511627776], "data_offsets": [0, 4]}}', 4), 'a.shape');
    fails(withHeader('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}', 8), 'a.data_offsets');
    fails(withHeader('{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}', 8), 'a.data_offsets');
    fails(withHeader('{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}', 8), 'a.data_offsets');
    fails(withHeader('{"a": {"dtype": "F32", "shape": [1], "data_offsets": [1e300, 1e300]}}', 8), 'a.data_offsets');
    fails(withHeader('{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}', 8), 'a.data_offsets');
    fails(withHeader('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}', 12), /[ab]\.data_offsets/);
  });

  it('never throws anything but ModelFileError on corrupted bytes', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      (edits) => {
        const copy = valid.slice();
        for (const [at, v] of edits) copy[at] = v;
        try {
          parseSafetensors(copy, 'test.safetensors');
        } catch (e) {
          if (!(e instanceof ModelFileError)) throw e;
        }
      },
    ), { numRuns: 2000 });
    fails(withHeader('['.repeat(1_000_000)), 'header');
  });

  it('keeps hostile names as plain data', () => {
    const h = parseSafetensors(withHeader('{"__proto__": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}', 1), 'test.safetensors');
    expect([...h.tensors.keys()]).toEqual(['__proto__']);
  });
});
