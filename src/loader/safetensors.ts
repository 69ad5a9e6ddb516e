/**
 * safetensors header parser (https://github.com/huggingface/safetensors):
 *
 *   u64 N (little endian) | N bytes of JSON { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__ }
 *   | data (offsets relative to here)
 *
 * The file is untrusted: sizes, dtypes, shapes and offsets are all checked against the bytes there are.
 */
import { ModelFileError } from '../errors.js';

/** Bytes per element of every dtype the format defines. */
const DTYPE_SIZE: ReadonlyMap<string, number> = new Map([
  ['BOOL', 1], ['U8', 1], ['I8', 1], ['F8_E4M3', 1], ['F8_E5M2', 1], ['F8_E8M0', 1],
  ['I16', 2], ['U16', 2], ['F16', 2], ['BF16', 2],
  ['I32', 4], ['U32', 4], ['F32', 4],
  ['I64', 8], ['U64', 8], ['F64', 8],
]);

/** The format's own limit on the header. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface SafetensorsTensorInfo {
  readonly name: string;
  /** As written in the file: F32, F16, BF16, F8_E4M3, ... */
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Absolute offsets in the file. */
  readonly start: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly file: string;
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
  readonly dataOffset: number;
}

/** `bytes` holds the file's start (at least its header); fileSize is the whole file's. */
export function parseSafetensors(bytes: Uint8Array, file: string, fileSize = bytes.byteLength): SafetensorsHeader {
  const fail = (field: string, detail: string): never => {
    throw new ModelFileError(file, field, detail);
  };
  if (fileSize < 8 || bytes.byteLength < 8) fail('header_size', `file of ${fileSize} bytes is too short (truncated?)`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) fail('header_size', `${n} bytes exceeds the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit`);
  if (n > BigInt(bytes.byteLength - 8)) fail('header_size', `${n} bytes runs past the end of the ${fileSize}-byte file`);
  const dataOffset = 8 + Number(n);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataOffset)));
  } catch (e) {
    fail('header', `not valid JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('header', 'expected a JSON object');
  const dataBytes = fileSize - dataOffset;
  const tensors = new Map<string, SafetensorsTensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = readMetadata(entry, fail);
      continue;
    }
    const info = readEntry(name, entry, fail);
    const [begin, end] = info.offsets;
    if (end > dataBytes) fail(`${name}.data_offsets`, `[${begin}, ${end}] runs past the ${dataBytes} bytes of data (truncated?)`);
    tensors.set(name, { name, dtype: info.dtype, shape: info.shape, start: dataOffset + begin, end: dataOffset + end });
  }
  const sorted = [...tensors.values()].filter((t) => t.end > t.start).sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start < sorted[i - 1]!.end) fail(`${sorted[i]!.name}.data_offsets`, `overlaps ${sorted[i - 1]!.name}`);
  }
  return { file, tensors, metadata, dataOffset };
}

type Fail = (field: string, detail: string) => never;

function readMetadata(entry: unknown, fail: Fail): Record<string, string> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail('__metadata__', 'expected an object');
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`__metadata__.${k}`, 'expected a string');
    out[k] = v as string;
  }
  return out;
}

function readEntry(name: string, entry: unknown, fail: Fail): { dtype: string; shape: number[]; offsets: [number, number] } {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail(name, 'expected an object');
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (typeof dtype !== 'string') return fail(`${name}.dtype`, 'missing');
  const size = DTYPE_SIZE.get(dtype);
  if (size === undefined) return fail(`${name}.dtype`, `unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    return fail(`${name}.shape`, `expected non-negative integers, found ${JSON.stringify(shape)}`);
  }
  let numel = 1;
  for (const d of shape as number[]) {
    numel *= d;
    if (numel > Number.MAX_SAFE_INTEGER) fail(`${name}.shape`, `absurd shape ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    return fail(`${name}.data_offsets`, `expected [begin, end], found ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`${name}.data_offsets`, `end ${end} is before begin ${begin}`);
  if (end - begin !== numel * size) {
    fail(`${name}.data_offsets`, `[${begin}, ${end}] holds ${end - begin} bytes but ${dtype}${JSON.stringify(shape)} needs ${numel * size}`);
  }
  return { dtype, shape: shape as number[], offsets: [begin, end] };
}
