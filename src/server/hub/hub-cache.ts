import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';

import { isCommitHash } from './repo-ref.js';

/**
 * One repository's folder in the hub cache, laid out as `huggingface_hub` lays it out, so that both share it:
 *
 *   models--owner--name/
 *     refs/main                      -> "<commit>"
 *     blobs/<sha256 or git sha1>     file contents, named by hash
 *     snapshots/<commit>/<file>      symlink -> ../../blobs/<hash>
 */
export class RepoCache {
  readonly dir: string;

  constructor(cacheDir: string, readonly repoId: string) {
    this.dir = path.join(cacheDir, `models--${repoId.split('/').join('--')}`);
  }

  /** The commit a branch or tag pointed to when last downloaded; a commit hash is its own answer. */
  readRef(revision: string): string | null {
    if (isCommitHash(revision)) return revision;
    const file = path.join(this.dir, 'refs', revision);
    if (!existsSync(file)) return null;
    const commit = readFileSync(file, 'utf8').trim();
    return isCommitHash(commit) ? commit : null;
  }

  writeRef(revision: string, commit: string): void {
    if (revision === commit) return;
    const file = path.join(this.dir, 'refs', revision);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, commit);
  }

  snapshotDir(commit: string): string {
    return path.join(this.dir, 'snapshots', commit);
  }

  blobPath(blobId: string): string {
    return path.join(this.dir, 'blobs', blobId);
  }

  /** Where a blob is written while it downloads; a finished download is renamed to `blobPath`. */
  incompletePath(blobId: string): string {
    return `${this.blobPath(blobId)}.incomplete`;
  }

  hasBlob(blobId: string): boolean {
    return existsSync(this.blobPath(blobId));
  }

  completeBlob(blobId: string): void {
    renameSync(this.incompletePath(blobId), this.blobPath(blobId));
  }

  /** Points `snapshots/<commit>/<file>` at its blob (a copy where the file system has no symlinks). */
  linkSnapshotFile(commit: string, file: string, blobId: string): string {
    const target = path.join(this.snapshotDir(commit), file);
    mkdirSync(path.dirname(target), { recursive: true });
    rmSync(target, { force: true });
    const blob = this.blobPath(blobId);
    try {
      symlinkSync(path.relative(path.dirname(target), blob), target);
    } catch {
      copyFileSync(blob, target);
    }
    return target;
  }

  ensureBlobDir(): void {
    mkdirSync(path.join(this.dir, 'blobs'), { recursive: true });
  }
}
