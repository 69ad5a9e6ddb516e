import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { HipserveError } from '../../errors.js';
import { downloadBlob } from './download-blob.js';
import { fetchRepoRevision, HubUnreachableError } from './hub-api.js';
import { RepoCache } from './hub-cache.js';
import type { HubEnv } from './hub-env.js';
import { formatRepoRef, type RepoRef } from './repo-ref.js';
import { selectFiles } from './select-files.js';

export interface DownloadProgress {
  /** Called once with the bytes still to fetch (0 when everything is cached). */
  start(totalBytes: number, label: string): void;
  advance(bytes: number): void;
  stop(): void;
}

export interface SnapshotOptions {
  readonly progress?: DownloadProgress;
  /** Files downloaded at once. */
  readonly concurrency?: number;
}

/** What to load: a snapshot folder (safetensors) or one GGUF file inside it. */
export interface ResolvedSnapshot {
  readonly modelPath: string;
  readonly commit: string;
  readonly fromCache: boolean;
}

const OFFLINE_HINT = 'pass a local model instead: hipserve serve ./path/to/hf-model-folder (or ./model.gguf)';

/**
 * Makes `ref` present in the hub cache and returns the path to load. Online, it asks the hub for the revision's
 * files and fetches the missing ones; offline (HF_HUB_OFFLINE) or when the hub is unreachable, it uses the cached
 * snapshot or fails with a one-line message that says how to pass a local model.
 */
export async function snapshotDownload(env: HubEnv, ref: RepoRef, options: SnapshotOptions = {}): Promise<ResolvedSnapshot> {
  const cache = new RepoCache(env.cacheDir, ref.repoId);
  if (env.offline) return fromCache(cache, ref, 'HF_HUB_OFFLINE is set');
  let revision;
  try {
    revision = await fetchRepoRevision(env, ref.repoId, ref.revision);
  } catch (err) {
    if (err instanceof HubUnreachableError) return fromCache(cache, ref, err.message);
    throw err;
  }
  const { files, gguf } = selectFiles(ref.repoId, revision.files, ref.ggufSelector);
  const missing = files.filter((f) => !cache.hasBlob(f.blobId));
  const progress = options.progress;
  progress?.start(missing.reduce((sum, f) => sum + f.size, 0), formatRepoRef(ref));
  try {
    await runPool(missing, options.concurrency ?? 4, (file) =>
      downloadBlob(env, cache, revision.commit, file, (n) => progress?.advance(n)));
  } finally {
    progress?.stop();
  }
  for (const file of files) cache.linkSnapshotFile(revision.commit, file.path, file.blobId);
  cache.writeRef(ref.revision, revision.commit);
  const dir = cache.snapshotDir(revision.commit);
  return { modelPath: gguf ? path.join(dir, gguf) : dir, commit: revision.commit, fromCache: missing.length === 0 };
}

function fromCache(cache: RepoCache, ref: RepoRef, why: string): ResolvedSnapshot {
  const commit = cache.readRef(ref.revision);
  const dir = commit ? cache.snapshotDir(commit) : null;
  if (!commit || !dir || !existsSync(dir)) {
    throw new HipserveError('model_not_found', `${formatRepoRef(ref)} is not in the cache ${cache.dir} and ${why}: ${OFFLINE_HINT}`);
  }
  const modelPath = ref.ggufSelector ? findCachedGguf(dir, ref.ggufSelector) : dir;
  if (!modelPath) {
    throw new HipserveError('model_not_found', `${formatRepoRef(ref)}: no matching GGUF in the cached snapshot and ${why}: ${OFFLINE_HINT}`);
  }
  return { modelPath, commit, fromCache: true };
}

function findCachedGguf(dir: string, selector: string): string | null {
  const ggufs = readdirSync(dir).filter((f) => f.endsWith('.gguf'));
  const tag = selector.toLowerCase();
  const match = ggufs.find((f) => f === selector) ?? ggufs.find((f) => f.toLowerCase().includes(tag));
  return match ? path.join(dir, match) : null;
}

/** Runs `work` over `items`, `concurrency` at a time; after a failure starts nothing new, lets the rest settle, rethrows. */
async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}
