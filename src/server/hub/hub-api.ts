import { HipserveError } from '../../errors.js';
import type { HubEnv } from './hub-env.js';

/** One file of a repository revision, as `GET /api/models/{repo}/revision/{rev}?blobs=true` lists it. */
export interface RepoFile {
  readonly path: string;
  readonly size: number;
  /** The name of its blob in the cache: the LFS sha256 for large files, the git blob sha1 otherwise. */
  readonly blobId: string;
  readonly hash: 'sha256' | 'git-sha1';
}

export interface RepoRevision {
  readonly commit: string;
  readonly files: readonly RepoFile[];
}

interface Sibling {
  rfilename?: unknown;
  size?: unknown;
  blobId?: unknown;
  lfs?: { sha256?: unknown; size?: unknown } | null;
}

/** Thrown when the hub cannot be reached at all (no network, DNS failure, refused connection). */
export class HubUnreachableError extends HipserveError {
  constructor(readonly endpoint: string, readonly reason: string) {
    super('model_not_found', `cannot reach ${endpoint} (${reason})`);
    this.name = 'HubUnreachableError';
  }
}

export function authHeaders(env: HubEnv): Record<string, string> {
  return env.token ? { authorization: `Bearer ${env.token}` } : {};
}

/** `fetch` that turns network failures into HubUnreachableError. */
export async function hubFetch(env: HubEnv, url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, headers: { ...authHeaders(env), ...(init.headers as Record<string, string>) } });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new HubUnreachableError(env.endpoint, cause?.code ?? cause?.message ?? (err as Error).message);
  }
}

export function resolveUrl(env: HubEnv, repoId: string, commit: string, file: string): string {
  const encoded = file.split('/').map(encodeURIComponent).join('/');
  return `${env.endpoint}/${repoId}/resolve/${commit}/${encoded}`;
}

/** The commit a revision names and its files with sizes and blob ids. */
export async function fetchRepoRevision(env: HubEnv, repoId: string, revision: string): Promise<RepoRevision> {
  const url = `${env.endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}?blobs=true`;
  const res = await hubFetch(env, url);
  if (res.status === 401 || res.status === 403 || res.status === 404) {
    const hint = env.token ? '' : ' (for a gated or private model, set HF_TOKEN)';
    throw new HipserveError('model_not_found', `${repoId}@${revision}: not found on ${env.endpoint} (HTTP ${res.status})${hint}`);
  }
  if (!res.ok) throw new HipserveError('model_not_found', `${repoId}@${revision}: ${env.endpoint} answered HTTP ${res.status}`);
  const body = (await res.json()) as { sha?: unknown; siblings?: unknown };
  if (typeof body.sha !== 'string' || !Array.isArray(body.siblings)) {
    throw new HipserveError('model_not_found', `${repoId}@${revision}: unexpected answer from ${env.endpoint}`);
  }
  return { commit: body.sha, files: (body.siblings as Sibling[]).map((s) => toRepoFile(repoId, s)) };
}

function toRepoFile(repoId: string, s: Sibling): RepoFile {
  const lfsSha = s.lfs && typeof s.lfs.sha256 === 'string' ? s.lfs.sha256 : null;
  const size = lfsSha ? s.lfs!.size : s.size;
  if (typeof s.rfilename !== 'string' || typeof size !== 'number' || (!lfsSha && typeof s.blobId !== 'string')) {
    throw new HipserveError('model_not_found', `${repoId}: the hub listed a file without name, size or blob id`);
  }
  const blobId = lfsSha ?? (s.blobId as string);
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(blobId)) {
    throw new HipserveError('model_not_found', `${repoId}: the hub listed ${s.rfilename} with a malformed blob id`);
  }
  if (s.rfilename.split('/').some((part) => part === '..' || part === '') || s.rfilename.startsWith('/')) {
    throw new HipserveError('model_not_found', `${repoId}: the hub listed an unsafe file name ${JSON.stringify(s.rfilename)}`);
  }
  return { path: s.rfilename, size, blobId, hash: lfsSha ? 'sha256' : 'git-sha1' };
}
