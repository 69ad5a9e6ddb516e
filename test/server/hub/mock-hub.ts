/**
 * A local stand-in for the Hugging Face Hub's HTTP API on 127.0.0.1: the revision listing with blob ids, `resolve`
 * downloads (LFS files redirect to a "CDN" path, as the real hub does), Range requests and bearer tokens.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockFile {
  readonly path: string;
  readonly content: Buffer;
  readonly lfs?: boolean;
}

export interface MockRepo {
  readonly repoId: string;
  readonly commit: string;
  readonly files: readonly MockFile[];
  /** Only this bearer token may see the repository. */
  readonly token?: string;
  /** Serve these bytes instead of the real ones (a corrupted transfer). */
  readonly corrupt?: boolean;
}

export interface MockHub {
  readonly endpoint: string;
  readonly requests: { method: string; url: string; authorization?: string; range?: string }[];
  close(): Promise<void>;
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export function gitBlobSha1(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

export function blobIdOf(file: MockFile): string {
  return file.lfs ? sha256(file.content) : gitBlobSha1(file.content);
}

export function commitOf(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

export async function startMockHub(repos: readonly MockRepo[]): Promise<MockHub> {
  const requests: MockHub['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, range: req.headers.range });
    handle(repos, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function handle(repos: readonly MockRepo[], req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
  const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
  const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
  if (api) {
    const repo = visibleRepo(repos, api[1]!, req);
    if (!repo || (decodeURIComponent(api[2]!) !== 'main' && decodeURIComponent(api[2]!) !== repo.commit)) return notFound(res);
    const siblings = repo.files.map((f) => f.lfs
      ? { rfilename: f.path, size: f.content.length, blobId: gitBlobSha1(Buffer.from('pointer')), lfs: { sha256: sha256(f.content), size: f.content.length, pointerSize: 130 } }
      : { rfilename: f.path, size: f.content.length, blobId: gitBlobSha1(f.content) });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id: repo.repoId, sha: repo.commit, siblings }));
    return;
  }
  if (resolve) {
    const repo = visibleRepo(repos, resolve[1]!, req);
    const file = repo?.files.find((f) => f.path === resolve[3]!.split('/').map(decodeURIComponent).join('/'));
    if (!repo || !file || resolve[2] !== repo.commit) return notFound(res);
    if (file.lfs) {
      res.writeHead(302, { location: `/cdn/${sha256(file.content)}` });
      res.end();
      return;
    }
    return sendBytes(req, res, served(repo, file));
  }
  if (cdn) {
    const match = repos.flatMap((repo) => repo.files.filter((f) => f.lfs && sha256(f.content) === cdn[1]).map((f) => served(repo, f)));
    return match[0] ? sendBytes(req, res, match[0]) : notFound(res);
  }
  notFound(res);
}

function visibleRepo(repos: readonly MockRepo[], repoId: string, req: IncomingMessage): MockRepo | undefined {
  const repo = repos.find((r) => r.repoId === repoId);
  if (repo?.token && req.headers.authorization !== `Bearer ${repo.token}`) return undefined;
  return repo;
}

function served(repo: MockRepo, file: MockFile): Buffer {
  return repo.corrupt ? Buffer.from(file.content.map((b) => b ^ 0xff)) : file.content;
}

function sendBytes(req: IncomingMessage, res: ServerResponse, content: Buffer): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    if (start >= content.length) {
      res.writeHead(416, { 'content-range': `bytes */${content.length}` });
      res.end();
      return;
    }
    res.writeHead(206, { 'content-range': `bytes ${start}-${content.length - 1}/${content.length}`, 'content-length': content.length - start });
    res.end(content.subarray(start));
    return;
  }
  res.writeHead(200, { 'content-length': content.length });
  res.end(content);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'Repository not found' }));
}
