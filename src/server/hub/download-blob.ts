import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync, rmSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { HipserveError } from '../../errors.js';
import { hubFetch, resolveUrl, type RepoFile } from './hub-api.js';
import type { RepoCache } from './hub-cache.js';
import type { HubEnv } from './hub-env.js';

/** The hash a blob is named by: sha256 of the bytes (LFS), or git's sha1 of "blob <size>\0" + bytes. */
function blobHasher(file: RepoFile): Hash {
  const hash = createHash(file.hash === 'sha256' ? 'sha256' : 'sha1');
  if (file.hash === 'git-sha1') hash.update(`blob ${file.size}\0`);
  return hash;
}

async function hashExisting(hash: Hash, path: string): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/**
 * Downloads one file into its blob, resuming a `.incomplete` file left by an earlier attempt, and checks the bytes
 * against the blob id before the blob becomes visible. `onBytes` hears of every chunk written.
 */
export async function downloadBlob(
  env: HubEnv, cache: RepoCache, commit: string, file: RepoFile, onBytes: (n: number) => void,
): Promise<void> {
  cache.ensureBlobDir();
  const partial = cache.incompletePath(file.blobId);
  let offset = existsSync(partial) ? statSync(partial).size : 0;
  if (offset > file.size) {
    rmSync(partial);
    offset = 0;
  }
  const url = resolveUrl(env, cache.repoId, commit, file.path);
  const res = await hubFetch(env, url, offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {});
  if (res.status === 416 && offset === file.size) {
    await res.body?.cancel();
  } else if (!res.ok || !res.body) {
    throw new HipserveError('model_not_found', `${cache.repoId}/${file.path}: download failed with HTTP ${res.status}`);
  } else if (res.status !== 206) {
    offset = 0;
  }
  const hash = blobHasher(file);
  if (offset > 0) await hashExisting(hash, partial);
  onBytes(offset);
  if (res.ok && res.body) {
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        onBytes(chunk.length);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body as never), meter, createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w' }));
  }
  const size = statSync(partial).size;
  const digest = hash.digest('hex');
  if (size !== file.size || digest !== file.blobId) {
    rmSync(partial, { force: true });
    throw new HipserveError('model_not_found',
      `${cache.repoId}/${file.path}: downloaded ${size} of ${file.size} bytes with hash ${digest}, expected ${file.blobId}`);
  }
  cache.completeBlob(file.blobId);
}
