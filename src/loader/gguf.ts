/**
 * GGUF v2/v3 parser (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md). Reads the header, metadata and
 * tensor infos from untrusted bytes; every count is bounded by the bytes left before anything is allocated, so a
 * hostile file gives a ModelFileError naming the file and field, never a hang or a huge allocation.
 *
 *   magic "GGUF" | version u32 | tensor_count u64 | kv_count u64
 *   kv_count  x (key: string, value_type u32, value)
 *   tensor_count x (name: string, n_dims u32, dims u64[n_dims] innermost first, ggml_type u32, offset u64)
 *   padding to `general.alignment` (default 32) | tensor data (offsets relative to here)
 */
import type { FileBytes } from './map-model-file.js';
import { ByteCursor } from './byte-cursor.js';
import { ggmlTypeInfo } from './ggml-type.js';

export type GgufArray =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array
  | Float32Array | Float64Array | BigUint64Array | BigInt64Array
  | boolean[] | string[] | GgufArray[];

/** 64-bit integers are numbers when safe, bigint otherwise; numeric arrays are typed arrays (copies). */
export type GgufValue = number | bigint | boolean | string | GgufArray;

export type GgufMetadata = Readonly<Record<string, GgufValue>>;

export interface GgufTensorInfo {
  readonly name: string;
  /** ggml order: the innermost (contiguous) dimension first, the reverse of a Hugging Face shape. */
  readonly dims: readonly number[];
  /** ggml_type id; see ggml-type.ts. */
  readonly type: number;
  readonly typeName: string;
  /** Bytes from `Gguf.dataOffset`. */
  readonly offset: number;
  readonly numElements: number;
  readonly byteLength: number;
}

export interface Gguf {
  readonly file: string;
  readonly version: 2 | 3;
  readonly alignment: number;
  /** Null-prototype object: any key a file holds is a plain own property. */
  readonly metadata: GgufMetadata;
  readonly tensors: readonly GgufTensorInfo[];
  /** Absolute offset in the file (the parsed bytes) where the tensor data section begins. */
  readonly dataOffset: number;
}

export const GGUF_DEFAULT_ALIGNMENT = 32;

const VALUE_TYPE = {
  UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6,
  BOOL: 7, STRING: 8, ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12,
} as const;

/** Fixed byte size of each scalar value type (strings and arrays are variable). */
const SCALAR_BYTES: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

const MAX_DIMS = 4;
const MAX_ARRAY_DEPTH = 8;
/** Smallest possible encodings, used to bound counts before looping. */
const MIN_STRING_BYTES = 8;
const MIN_KV_BYTES = MIN_STRING_BYTES + 4 + 1;
const MIN_TENSOR_INFO_BYTES = MIN_STRING_BYTES + 4 + 4 + 8;
const MIN_ARRAY_BYTES = 4 + 8;

/** `bytes` holds the file's start (at least its metadata and tensor infos); fileSize is the whole file's. */
export function parseGguf(bytes: Uint8Array, file: string, fileSize = bytes.byteLength): Gguf {
  const c = new ByteCursor(bytes, file);
  const magic = c.take(4, 'header.magic');
  if (magic[0] !== 0x47 || magic[1] !== 0x47 || magic[2] !== 0x55 || magic[3] !== 0x46) {
    c.fail('header.magic', `expected "GGUF", found ${JSON.stringify(String.fromCharCode(...magic))} (not a GGUF file)`);
  }
  const version = c.u32('header.version');
  if (version !== 2 && version !== 3) {
    const hint = version === 1 ? ' (GGUF v1 is obsolete: convert the model again)'
      : (version & 0xffff) === 0 ? ' (a big-endian GGUF?)' : '';
    c.fail('header.version', `unsupported version ${version}${hint}; expected 2 or 3`);
  }
  const tensorCount = c.u64('header.tensor_count');
  const kvCount = c.u64('header.metadata_kv_count');
  c.needCount(kvCount, MIN_KV_BYTES, 'header.metadata_kv_count');
  c.needCount(tensorCount, MIN_TENSOR_INFO_BYTES, 'header.tensor_count');
  if (kvCount * MIN_KV_BYTES + tensorCount * MIN_TENSOR_INFO_BYTES > c.remaining) {
    c.fail('header.tensor_count', `${tensorCount} tensors and ${kvCount} metadata entries cannot fit in ${c.remaining} bytes`);
  }

  const metadata = readMetadata(c, kvCount);
  const alignment = readAlignment(c, metadata);
  const infos = readTensorInfos(c, tensorCount, alignment);
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  checkTensorData(c, infos, dataOffset, fileSize);
  return { file, version: version as 2 | 3, alignment, metadata, tensors: infos, dataOffset };
}

function readString(c: ByteCursor, field: string): string {
  const n = c.u64(field);
  c.need(n, field);
  return c.utf8(n, field);
}

function readMetadata(c: ByteCursor, kvCount: number): Record<string, GgufValue> {
  const metadata: Record<string, GgufValue> = Object.create(null) as Record<string, GgufValue>;
  for (let i = 0; i < kvCount; i++) {
    const key = readString(c, `metadata[${i}].key`);
    if (Object.hasOwn(metadata, key)) c.fail(`metadata.${key}`, 'duplicate key');
    const type = c.u32(`metadata.${key}.type`);
    metadata[key] = readValue(c, type, `metadata.${key}`, 0);
  }
  return metadata;
}

function readValue(c: ByteCursor, type: number, field: string, depth: number): GgufValue {
  switch (type) {
    case VALUE_TYPE.UINT8: return c.u8(field);
    case VALUE_TYPE.INT8: return c.i8(field);
    case VALUE_TYPE.UINT16: return c.u16(field);
    case VALUE_TYPE.INT16: return c.i16(field);
    case VALUE_TYPE.UINT32: return c.u32(field);
    case VALUE_TYPE.INT32: return c.i32(field);
    case VALUE_TYPE.FLOAT32: return c.f32(field);
    case VALUE_TYPE.FLOAT64: return c.f64(field);
    case VALUE_TYPE.BOOL: return readBool(c, field);
    case VALUE_TYPE.STRING: return readString(c, field);
    case VALUE_TYPE.UINT64: return toSafeNumber(c.u64Big(field));
    case VALUE_TYPE.INT64: return toSafeNumber(c.i64Big(field));
    case VALUE_TYPE.ARRAY: return readArray(c, field, depth);
    default: return c.fail(`${field}.type`, `unknown value type ${type}`);
  }
}

function readBool(c: ByteCursor, field: string): boolean {
  const b = c.u8(field);
  if (b > 1) c.fail(field, `bool must be 0 or 1, found ${b}`);
  return b === 1;
}

function toSafeNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function readArray(c: ByteCursor, field: string, depth: number): GgufArray {
  if (depth >= MAX_ARRAY_DEPTH) c.fail(field, `arrays nested deeper than ${MAX_ARRAY_DEPTH}`);
  const type = c.u32(`${field}.array_type`);
  const count = c.u64(`${field}.count`);
  const scalar = SCALAR_BYTES[type];
  if (scalar !== undefined) {
    c.needCount(count, scalar, `${field}.count`);
    if (type === VALUE_TYPE.BOOL) {
      const out: boolean[] = new Array<boolean>(count);
      for (let j = 0; j < count; j++) out[j] = readBool(c, `${field}[${j}]`);
      return out;
    }
    return readNumericArray(c, type, count, field);
  }
  if (type === VALUE_TYPE.STRING) {
    c.needCount(count, MIN_STRING_BYTES, `${field}.count`);
    const out: string[] = new Array<string>(count);
    for (let j = 0; j < count; j++) out[j] = readString(c, `${field}[${j}]`);
    return out;
  }
  if (type === VALUE_TYPE.ARRAY) {
    c.needCount(count, MIN_ARRAY_BYTES, `${field}.count`);
    const out: GgufArray[] = new Array<GgufArray>(count);
    for (let j = 0; j < count; j++) out[j] = readArray(c, `${field}[${j}]`, depth + 1);
    return out;
  }
  return c.fail(`${field}.array_type`, `unknown array element type ${type}`);
}

/** Copies the elements so the typed array is aligned whatever the file offset. */
function readNumericArray(c: ByteCursor, type: number, count: number, field: string): GgufArray {
  const raw = c.take(count * SCALAR_BYTES[type]!, field);
  const copy = new Uint8Array(raw).buffer;
  switch (type) {
    case VALUE_TYPE.UINT8: return new Uint8Array(copy);
    case VALUE_TYPE.INT8: return new Int8Array(copy);
    case VALUE_TYPE.UINT16: return new Uint16Array(copy);
    case VALUE_TYPE.INT16: return new Int16Array(copy);
    case VALUE_TYPE.UINT32: return new Uint32Array(copy);
    case VALUE_TYPE.INT32: return new Int32Array(copy);
    case VALUE_TYPE.FLOAT32: return new Float32Array(copy);
    case VALUE_TYPE.FLOAT64: return new Float64Array(copy);
    case VALUE_TYPE.UINT64: return new BigUint64Array(copy);
    default: return new BigInt64Array(copy);
  }
}

function readAlignment(c: ByteCursor, metadata: GgufMetadata): number {
  const a = metadata['general.alignment'];
  if (a === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (typeof a !== 'number' || !Number.isInteger(a) || a <= 0 || a > 1 << 30 || (a & (a - 1)) !== 0) {
    c.fail('metadata.general.alignment', `must be a power of two, found ${String(a)}`);
  }
  return a;
}

function readTensorInfos(c: ByteCursor, tensorCount: number, alignment: number): GgufTensorInfo[] {
  const infos: GgufTensorInfo[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = readString(c, `tensors[${i}].name`);
    const field = `tensor ${JSON.stringify(name)}`;
    if (seen.has(name)) c.fail(field, 'duplicate tensor name');
    seen.add(name);
    const nDims = c.u32(`${field}.n_dims`);
    if (nDims > MAX_DIMS) c.fail(`${field}.n_dims`, `${nDims} dimensions; at most ${MAX_DIMS}`);
    const dims: number[] = [];
    let numElements = 1;
    for (let d = 0; d < nDims; d++) {
      const dim = c.u64(`${field}.dims[${d}]`);
      dims.push(dim);
      numElements *= dim;
      if (numElements > Number.MAX_SAFE_INTEGER) c.fail(`${field}.dims`, `absurd shape [${dims.join(', ')}, ...]`);
    }
    const type = c.u32(`${field}.type`);
    const info = ggmlTypeInfo(type);
    if (!info) c.fail(`${field}.type`, `unknown ggml type ${type}`);
    if ((dims[0] ?? 1) % info.blockSize !== 0) {
      c.fail(`${field}.dims[0]`, `${dims[0]} is not a multiple of the ${info.name} block size ${info.blockSize}`);
    }
    const offset = c.u64(`${field}.offset`);
    if (offset % alignment !== 0) c.fail(`${field}.offset`, `${offset} is not a multiple of the alignment ${alignment}`);
    const byteLength = (numElements / info.blockSize) * info.typeSize;
    infos.push({ name, dims, type, typeName: info.name, offset, numElements, byteLength });
  }
  return infos;
}

function checkTensorData(c: ByteCursor, infos: readonly GgufTensorInfo[], dataOffset: number, fileSize: number): void {
  const dataBytes = fileSize - dataOffset;
  for (const t of infos) {
    if (t.offset + t.byteLength > dataBytes) {
      c.fail(`tensor ${JSON.stringify(t.name)}.offset`,
        `data [${t.offset}, ${t.offset + t.byteLength}) runs past the end of the data section (${Math.max(0, dataBytes)} bytes)`);
    }
  }
  const sorted = infos.filter((t) => t.byteLength > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.offset < prev.offset + prev.byteLength) {
      c.fail(`tensor ${JSON.stringify(cur.name)}.offset`, `overlaps tensor ${JSON.stringify(prev.name)}`);
    }
  }
}

/** The bytes of one tensor within the parsed file (a view, no copy). */
export function ggufTensorBytes(bytes: FileBytes, gguf: Gguf, tensor: GgufTensorInfo): Uint8Array {
  const start = gguf.dataOffset + tensor.offset;
  return bytes.subarray(start, start + tensor.byteLength);
}
