import { existsSync } from 'node:fs';
import path from 'node:path';

import { HipserveError } from '../../errors.js';
import type { HubEnv } from './hub-env.js';
import { parseRepoRef } from './repo-ref.js';
import { snapshotDownload, type SnapshotOptions } from './snapshot-download.js';

export const DEFAULT_MODEL = 'Qwen/Qwen3-0.6B';

export interface ResolvedModel {
  /** A Hugging Face folder or a .gguf file on disk. */
  readonly modelPath: string;
  /** The name clients use by default: the repository id, or the path as given. */
  readonly name: string;
  readonly source: 'local' | 'hub';
}

/** A local folder or GGUF file is used as is; anything shaped like `owner/name` is fetched through the hub cache. */
export async function resolveModel(spec: string, env: HubEnv, options: SnapshotOptions = {}): Promise<ResolvedModel> {
  if (existsSync(spec)) return { modelPath: path.resolve(spec), name: spec, source: 'local' };
  const ref = parseRepoRef(spec);
  if (!ref) {
    throw new HipserveError('model_not_found', `${spec}: no such file or folder, and not a Hugging Face repo id (owner/name)`);
  }
  const snapshot = await snapshotDownload(env, ref, options);
  return { modelPath: snapshot.modelPath, name: ref.repoId, source: 'hub' };
}
