import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { RESULT_SCHEMA, type BenchResult, type Environment, type ModelInfo, type ResultKind } from './bench-result.js';

export function benchResult<R extends object>(kind: ResultKind, parts: {
  label?: string | null; config: Record<string, unknown>; environment: Environment; model: ModelInfo | null; results: R;
}): BenchResult<R> {
  return { schema: RESULT_SCHEMA, kind, label: parts.label ?? null, config: parts.config, environment: parts.environment,
    model: parts.model, results: parts.results };
}

/** Writes the result as pretty JSON (creating the folder); infinite numbers (request rate inf) become "inf". */
export function writeResult(file: string, result: BenchResult<object>): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const json = JSON.stringify(result, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? (Number.isNaN(value) ? null : value > 0 ? 'inf' : '-inf') : value, 2);
  writeFileSync(file, `${json}\n`);
}
