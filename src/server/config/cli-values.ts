import { InvalidArgumentError } from 'commander';

const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 };

/** An integer in [min, max], also written as vLLM accepts it: 32k (32,000), 32K (32,768), 1.5m. */
export function parseCount(value: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const match = /^(\d+(?:\.\d+)?)([kmgKMG]?)$/.exec(value.trim());
  const n = match ? Math.round(Number(match[1]) * (match[2] ? SUFFIX[match[2]]! : 1)) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max || (match && !match[2] && match[1]!.includes('.'))) {
    throw new InvalidArgumentError(`expected an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''} (e.g. 4096 or 4k), got "${value}"`);
  }
  return n;
}

/** A byte size: 4G, 512M, 1.5G (binary units), or a plain number of bytes. */
export function parseBytes(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)i?[bB]?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`expected a size such as 4G or 512M, got "${value}"`);
  const unit = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[match[2]!.toLowerCase()]!;
  const n = Math.floor(Number(match[1]) * unit);
  if (!(n > 0)) throw new InvalidArgumentError(`expected a positive size, got "${value}"`);
  return n;
}

export function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return n;
}

export function parseFraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) {
    throw new InvalidArgumentError(`expected a number in (0, 1], got "${value}"`);
  }
  return n;
}

export function parsePort(value: string): number {
  return parseCount(value, 0, 65535);
}
