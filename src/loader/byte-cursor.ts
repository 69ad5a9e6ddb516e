import { ModelFileError } from '../errors.js';

const utf8 = new TextDecoder('utf-8');

/**
 * Little-endian reads over untrusted bytes. Every read names the field it is reading, so a short or absurd file
 * fails with a ModelFileError that says which field and which file.
 */
export class ByteCursor {
  private readonly view: DataView;
  pos = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.byteLength - this.pos;
  }

  fail(field: string, detail: string): never {
    throw new ModelFileError(this.file, field, detail);
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number, field: string): void {
    if (n > this.remaining) this.fail(field, `needs ${n} bytes at offset ${this.pos} but the file ends at ${this.bytes.byteLength} (truncated?)`);
  }

  /** Throws unless `count` items of at least `minBytes` each could fit in the bytes left. */
  needCount(count: number, minBytes: number, field: string): void {
    if (count * minBytes > this.remaining) {
      this.fail(field, `count ${count} cannot fit in the ${this.remaining} bytes left at offset ${this.pos}`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }

  i8(field: string): number {
    this.need(1, field);
    return this.view.getInt8(this.pos++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  i16(field: string): number {
    this.need(2, field);
    const v = this.view.getInt16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(field: string): number {
    this.need(4, field);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f32(field: string): number {
    this.need(4, field);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(field: string): number {
    this.need(8, field);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  u64Big(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  i64Big(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A u64 that must be a safe JS integer (counts, sizes, offsets). */
  u64(field: string): number {
    const v = this.u64Big(field);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(field, `value ${v} is absurdly large`);
    return Number(v);
  }

  /** `n` raw bytes as a view (no copy). */
  take(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A string of `n` UTF-8 bytes. */
  utf8(n: number, field: string): string {
    return decodeUtf8(this.take(n, field));
  }
}

/** ASCII fast path: vocabularies hold hundreds of thousands of short, mostly ASCII strings. */
export function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.length < 64) {
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode(...bytes);
  }
  return utf8.decode(bytes);
}
