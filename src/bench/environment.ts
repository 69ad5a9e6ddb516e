import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import os from 'node:os';

import { hipserveRoot } from '../platforms/package-root.js';
import type { Environment } from './bench-result.js';

export interface EnvironmentOptions {
  /** Overrides the detected hardware (e.g. the GPU a remote server runs on). */
  readonly hardware?: string | null;
  readonly threads?: number | null;
  /** The addon's CPU ISA, where the run loaded it. */
  readonly isa?: string | null;
  readonly date?: Date;
}

/**
 * hipserve's commit: $HIPSERVE_GIT_COMMIT, else $GITHUB_SHA (CI), else HEAD of the checkout hipserve runs from, else
 * null (an installed package; a repository around node_modules is another project's, not hipserve's).
 */
export function gitCommit(): string | null {
  const fromEnv = process.env.HIPSERVE_GIT_COMMIT ?? process.env.GITHUB_SHA;
  if (fromEnv) return fromEnv;
  const root = hipserveRoot();
  try {
    const [top, head] = execFileSync('git', ['rev-parse', '--show-toplevel', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim().split('\n');
    return top && head && realpathSync(top) === realpathSync(root) ? head : null;
  } catch {
    return null;
  }
}

export function cpuModel(): string {
  return os.cpus()[0]?.model.trim().replace(/\s+/g, ' ') || os.arch();
}

/** Where and when a result was measured. */
export function environment(options: EnvironmentOptions = {}): Environment {
  const cores = os.availableParallelism();
  const model = cpuModel();
  return {
    gitCommit: gitCommit(),
    date: (options.date ?? new Date()).toISOString(),
    hardware: options.hardware ?? `CPU ${model} (${cores} cores)`,
    node: process.version,
    cpu: { model, cores, isa: options.isa ?? null },
    threads: options.threads ?? null,
  };
}
