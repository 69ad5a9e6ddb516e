import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { writeResult } from '../../src/bench/write-result.js';
import { loadResults } from '../../src/dashboard/load-results.js';
import { loadLevel } from '../../src/dashboard/result-labels.js';
import { serveRun } from './helpers/sample-results.js';

describe('reading result files', () => {
  it('round-trips a result through writeResult, an infinite request rate as "inf"', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hipserve-results-'));
    const file = path.join(dir, 'nested', 'burst.json');
    const run = serveRun(1, 10, 1, { config: { requestRate: Infinity, maxConcurrency: null } });
    writeResult(file, run);
    expect(JSON.parse(readFileSync(file, 'utf8')).config.requestRate).toBe('inf');
    const { results } = loadResults([file]);
    expect(results).toHaveLength(1);
    expect(loadLevel(results[0]!)).toEqual({ label: 'burst', order: Number.MAX_SAFE_INTEGER });
  });

  it('reads the .json files of a folder and arrays of results, and skips what is not a hipserve result', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hipserve-results-'));
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify(serveRun(1, 10, 1)));
    writeFileSync(path.join(dir, 'b.json'), JSON.stringify([serveRun(2, 20, 2), serveRun(4, 30, 3)]));
    writeFileSync(path.join(dir, 'vllm.json'), JSON.stringify({ backend: 'vllm', output_throughput: 1 }));
    writeFileSync(path.join(dir, 'broken.json'), '{');
    writeFileSync(path.join(dir, 'notes.txt'), 'not read');
    const loaded = loadResults([dir]);
    expect(loaded.results).toHaveLength(3);
    expect(loaded.files.map((f) => path.basename(f))).toEqual(['a.json', 'b.json']);
    expect(loaded.skipped.map((s) => path.basename(s.file)).sort()).toEqual(['broken.json', 'vllm.json']);
    expect(() => loadResults([path.join(dir, 'missing.json')])).toThrow(/no such file/);
  });
});
