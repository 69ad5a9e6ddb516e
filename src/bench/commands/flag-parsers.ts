import { InvalidArgumentError } from 'commander';

import { LATENCY_METRICS, type LatencyMetric, type Slos } from '../serve/serve-metrics.js';

/** A float; "inf" for infinity (vLLM's --request-rate inf). */
export function parseNumber(value: string): number {
  const x = /^\+?inf(inity)?$/i.test(value.trim()) ? Infinity : Number(value);
  if (value.trim() === '' || Number.isNaN(x)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return x;
}

export function parsePositive(value: string): number {
  const x = parseNumber(value);
  if (!(x > 0)) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return x;
}

/** Appends KEY=VALUE to the record (repeatable flags such as --header and --metadata). */
export function collectKeyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got "${value}"`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1).trim() };
}

/** --goodput ttft:500 tpot:50 e2el:5000 (milliseconds). */
export function collectSlo(value: string, previous: Slos = {}): Slos {
  const match = /^(ttft|tpot|e2el):(\d+(?:\.\d+)?)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`expected ttft|tpot|e2el:<milliseconds>, got "${value}"`);
  return { ...previous, [match[1]!]: Number(match[2]) };
}

export function parseMetricList(value: string): LatencyMetric[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.find((n) => !(LATENCY_METRICS as readonly string[]).includes(n));
  if (bad !== undefined || names.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of ${LATENCY_METRICS.join(', ')}, got "${value}"`);
  return names as LatencyMetric[];
}

export function parsePercentileList(value: string): number[] {
  const ps = value.split(',').map((s) => Number(s.trim()));
  if (ps.length === 0 || ps.some((p) => !(p > 0 && p < 100))) throw new InvalidArgumentError(`expected percentiles in (0, 100) such as "90,99", got "${value}"`);
  return ps;
}

export function parseJsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(`expected a JSON object, got "${value}"`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError(`expected a JSON object, got "${value}"`);
  return parsed as Record<string, unknown>;
}
