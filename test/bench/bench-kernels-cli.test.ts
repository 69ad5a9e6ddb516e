import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { repoPath } from '../helpers/shared-data.js';
import { missingBuild } from '../server/helpers/cli-server.js';

const run = promisify(execFile);

// The full kernel bench takes about a minute on two cores: run it with HIPSERVE_SLOW_BENCH=1.
const skip = missingBuild() || (process.env.HIPSERVE_SLOW_BENCH !== '1' && 'set HIPSERVE_SLOW_BENCH=1 to run the kernel benchmark (about a minute)');

describe.skipIf(skip)(`hipserve bench kernels${skip ? ` — skipped: ${skip}` : ''}`, () => {
  it('saves the kernel results in the one result schema', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hipserve-kernels-'));
    const { stdout } = await run(process.execPath, [repoPath('bin/hipserve.js'), 'bench', 'kernels', '--threads', '2',
      '--result-dir', dir, '--result-filename', 'kernels.json'], { timeout: 600_000 });
    expect(stdout).toContain('matmul.gemv');
    const r = JSON.parse(readFileSync(path.join(dir, 'kernels.json'), 'utf8')) as Record<string, any>;
    expect(r).toMatchObject({ schema: 'hipserve.bench/1', kind: 'kernels', model: null, environment: { threads: 2 } });
    expect(r.environment.cpu.isa).toMatch(/\w/);
    const names = new Set((r.results.kernels as { name: string }[]).map((k) => k.name));
    expect([...names]).toEqual(expect.arrayContaining(['memcpy', 'matmul.gemv', 'matmul.prefill']));
    for (const k of r.results.kernels as { value: number; best: number }[]) expect(k.best).toBeGreaterThanOrEqual(k.value * 0.999);
  }, 600_000);
});
