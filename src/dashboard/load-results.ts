import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { RESULT_KINDS, RESULT_SCHEMA } from '../bench/bench-result.js';
import { HipserveError } from '../errors.js';
import type { AnyResult } from './result-labels.js';

export interface LoadedResults {
  readonly results: AnyResult[];
  readonly files: string[];
  /** Files that are not hipserve results, with why. */
  readonly skipped: { file: string; reason: string }[];
}

function isResult(value: unknown): value is AnyResult {
  const v = value as Partial<AnyResult> | null;
  return typeof v === 'object' && v !== null && v.schema === RESULT_SCHEMA && RESULT_KINDS.includes(v.kind!) &&
    typeof v.environment?.date === 'string' && typeof v.results === 'object' && v.results !== null &&
    typeof v.config === 'object' && v.config !== null;
}

/** Result files (a folder stands for the .json files in it); a file may hold one result or an array of them. */
export function loadResults(paths: readonly string[]): LoadedResults {
  const out: LoadedResults = { results: [], files: [], skipped: [] };
  const files = paths.flatMap((p) => {
    try {
      return statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(p, f)) : [p];
    } catch {
      throw new HipserveError('invalid_request', `${p}: no such file or folder`);
    }
  });
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      out.skipped.push({ file, reason: `not JSON: ${(e as Error).message}` });
      continue;
    }
    const items = Array.isArray(parsed) ? parsed : [parsed];
    const valid = items.filter(isResult);
    if (valid.length === 0) {
      out.skipped.push({ file, reason: `no "${RESULT_SCHEMA}" result in it` });
      continue;
    }
    out.results.push(...valid);
    out.files.push(file);
  }
  return out;
}
