import { execFileSync } from 'node:child_process';

import { afterEach, describe, expect, it } from 'vitest';

import { environment, gitCommit } from '../../src/bench/environment.js';
import { repoPath } from '../helpers/shared-data.js';

const saved = { HIPSERVE_GIT_COMMIT: process.env.HIPSERVE_GIT_COMMIT, GITHUB_SHA: process.env.GITHUB_SHA };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function checkoutHead(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoPath('.'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

describe('the environment of a result', () => {
  it('names the commit of this checkout, or the one CI gives', () => {
    delete process.env.HIPSERVE_GIT_COMMIT;
    delete process.env.GITHUB_SHA;
    expect(gitCommit()).toBe(checkoutHead());
    process.env.GITHUB_SHA = 'a'.repeat(40);
    expect(gitCommit()).toBe('a'.repeat(40));
    process.env.HIPSERVE_GIT_COMMIT = 'b'.repeat(40);
    expect(gitCommit()).toBe('b'.repeat(40));
  });

  it('describes this machine unless told what the model ran on', () => {
    const date = new Date('2026-02-03T04:05:06Z');
    const env = environment({ date, threads: 3, isa: 'avx2' });
    expect(env).toMatchObject({ date: '2026-02-03T04:05:06.000Z', node: process.version, threads: 3, cpu: { isa: 'avx2' } });
    expect(env.hardware).toContain(env.cpu.model);
    expect(environment({ hardware: 'MI300X' }).hardware).toBe('MI300X');
  });
});
