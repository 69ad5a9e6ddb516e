/** Typed reads of GGUF metadata: absent keys give undefined, present keys of the wrong type a ModelFileError. */
import { ModelFileError } from '../errors.js';
import type { Gguf, GgufValue } from './gguf.js';

function wrongType(g: Gguf, key: string, expected: string, v: GgufValue): never {
  const found = Array.isArray(v) ? 'array' : ArrayBuffer.isView(v) ? v.constructor.name : typeof v;
  throw new ModelFileError(g.file, `metadata.${key}`, `expected ${expected}, found ${found}`);
}

export function ggufString(g: Gguf, key: string): string | undefined {
  const v = g.metadata[key];
  if (v === undefined || typeof v === 'string') return v;
  return wrongType(g, key, 'a string', v);
}

/** Any integer or float scalar; 64-bit values beyond 2^53 are rejected. */
export function ggufNumber(g: Gguf, key: string): number | undefined {
  const v = g.metadata[key];
  if (v === undefined || typeof v === 'number') return v;
  return wrongType(g, key, 'a number', v);
}

export function ggufBool(g: Gguf, key: string): boolean | undefined {
  const v = g.metadata[key];
  if (v === undefined || typeof v === 'boolean') return v;
  return wrongType(g, key, 'a bool', v);
}

export function ggufStringArray(g: Gguf, key: string): readonly string[] | undefined {
  const v = g.metadata[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return wrongType(g, key, 'an array of strings', v);
}

/** Any numeric array except 64-bit integers. */
export function ggufNumberArray(g: Gguf, key: string): ArrayLike<number> | undefined {
  const v = g.metadata[key];
  if (v === undefined) return undefined;
  if (ArrayBuffer.isView(v) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array)) return v as ArrayLike<number>;
  return wrongType(g, key, 'an array of numbers', v);
}
