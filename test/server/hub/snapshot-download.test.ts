import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { loadModelFiles } from '../../../src/loader/load-model.js';
import { readHubEnv, type HubEnv } from '../../../src/server/hub/hub-env.js';
import { parseRepoRef, type RepoRef } from '../../../src/server/hub/repo-ref.js';
import { resolveModel } from '../../../src/server/hub/resolve-model.js';
import { snapshotDownload, type DownloadProgress } from '../../../src/server/hub/snapshot-download.js';
import { missingShared, sharedPath } from '../../helpers/shared-data.js';
import { blobIdOf, commitOf, startMockHub, type MockFile, type MockHub, type MockRepo } from './mock-hub.js';

const weights = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 251));
const tinyFiles: MockFile[] = [
  { path: 'config.json', content: Buffer.from('{"model_type":"llama"}') },
  { path: 'tokenizer.json', content: Buffer.from('{"model":{}}') },
  { path: 'model.safetensors', content: weights, lfs: true },
  { path: 'README.md', content: Buffer.from('# tiny') },
  { path: 'pytorch_model.bin', content: Buffer.from('not wanted'), lfs: true },
];
const tiny: MockRepo = { repoId: 'acme/tiny', commit: commitOf('tiny'), files: tinyFiles };
const ggufs: MockRepo = {
  repoId: 'acme/tiny-GGUF',
  commit: commitOf('gguf'),
  files: [
    { path: 'tiny-Q4_K_M.gguf', content: Buffer.from('GGUF q4'), lfs: true },
    { path: 'tiny-Q8_0.gguf', content: Buffer.from('GGUF q8'), lfs: true },
  ],
};
const gated: MockRepo = { repoId: 'acme/gated', commit: commitOf('gated'), token: 'hf_secret', files: tinyFiles.slice(0, 3) };
const corrupt: MockRepo = {
  repoId: 'acme/corrupt',
  commit: commitOf('corrupt'),
  corrupt: true,
  files: [{ path: 'config.json', content: Buffer.from('{}') }, { path: 'model.safetensors', content: Buffer.from('other'), lfs: true }],
};

const storiesDir = 'models/stories260K/hf';
const storiesFiles = missingShared(storiesDir) ? [] : readdirSync(sharedPath(storiesDir)).map((name) => ({
  path: name, content: readFileSync(path.join(sharedPath(storiesDir), name)), lfs: name.endsWith('.safetensors'),
}));
const stories: MockRepo = { repoId: 'karpathy/stories260K', commit: commitOf('stories'), files: storiesFiles };

let hub: MockHub;
let home: string;

function hubEnv(extra: NodeJS.ProcessEnv = {}): HubEnv {
  return readHubEnv({ HOME: home, HF_HOME: path.join(home, 'hf'), HF_ENDPOINT: hub.endpoint, ...extra });
}

function ref(spec: string): RepoRef {
  return parseRepoRef(spec)!;
}

function recorder(): DownloadProgress & { total: number; advanced: number; stopped: boolean } {
  const r = {
    total: -1, advanced: 0, stopped: false,
    start(total: number) { r.total = total; },
    advance(n: number) { r.advanced += n; },
    stop() { r.stopped = true; },
  };
  return r;
}

const downloads = (): number => hub.requests.filter((r) => r.url.includes('/resolve/') || r.url.startsWith('/cdn/')).length;

beforeAll(async () => {
  hub = await startMockHub([tiny, ggufs, gated, corrupt, stories]);
});
afterAll(() => hub.close());
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'hipserve-hub-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
  hub.requests.length = 0;
});

describe('snapshotDownload against a mock hub', () => {
  it('lays a safetensors repo out as huggingface_hub does: refs, blobs named by hash, snapshot symlinks', async () => {
    const progress = recorder();
    const got = await snapshotDownload(hubEnv(), ref('acme/tiny'), { progress });
    const repoDir = path.join(home, 'hf', 'hub', 'models--acme--tiny');
    expect(got.modelPath).toBe(path.join(repoDir, 'snapshots', tiny.commit));
    expect(readFileSync(path.join(repoDir, 'refs', 'main'), 'utf8')).toBe(tiny.commit);
    for (const file of tinyFiles.slice(0, 3)) {
      const link = path.join(got.modelPath, file.path);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe(path.join('..', '..', 'blobs', blobIdOf(file)));
      expect(readFileSync(link).equals(file.content)).toBe(true);
    }
    expect(readdirSync(got.modelPath).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
    expect(readdirSync(path.join(repoDir, 'blobs')).some((f) => f.endsWith('.incomplete'))).toBe(false);
    const wanted = tinyFiles.slice(0, 3).reduce((sum, f) => sum + f.content.length, 0);
    expect([progress.total, progress.advanced, progress.stopped]).toEqual([wanted, wanted, true]);
  });

  it('downloads nothing the second time', async () => {
    await snapshotDownload(hubEnv(), ref('acme/tiny'));
    const before = downloads();
    const progress = recorder();
    const again = await snapshotDownload(hubEnv(), ref('acme/tiny'), { progress });
    expect(downloads()).toBe(before);
    expect(again.fromCache).toBe(true);
    expect(progress.total).toBe(0);
  });

  it('honours HF_HUB_CACHE over HF_HOME', async () => {
    const cache = path.join(home, 'elsewhere');
    const got = await snapshotDownload(hubEnv({ HF_HUB_CACHE: cache }), ref('acme/tiny'));
    expect(got.modelPath.startsWith(path.join(cache, 'models--acme--tiny'))).toBe(true);
  });

  it('sends HF_TOKEN, or the saved token file, as a bearer token; a gated repo without one says to set HF_TOKEN', async () => {
    await expect(snapshotDownload(hubEnv(), ref('acme/gated'))).rejects.toThrow(/not found.*HF_TOKEN/);
    const got = await snapshotDownload(hubEnv({ HF_TOKEN: 'hf_secret' }), ref('acme/gated'));
    expect(existsSync(path.join(got.modelPath, 'model.safetensors'))).toBe(true);
    expect(hub.requests.filter((r) => r.url.includes('acme/gated')).every((r) => r.authorization !== undefined || !r.url.includes('resolve'))).toBe(true);

    rmSync(path.join(home, 'hf', 'hub'), { recursive: true });
    mkdirSync(path.join(home, 'hf'), { recursive: true });
    writeFileSync(path.join(home, 'hf', 'token'), 'hf_secret\n');
    await expect(snapshotDownload(hubEnv(), ref('acme/gated'))).resolves.toBeTruthy();
  });

  it('picks one GGUF by quantization tag or file name, and asks for a choice when there are several', async () => {
    await expect(snapshotDownload(hubEnv(), ref('acme/tiny-GGUF'))).rejects.toThrow(/2 GGUF files.*tiny-Q4_K_M\.gguf.*acme\/tiny-GGUF:/);
    const q4 = await snapshotDownload(hubEnv(), ref('acme/tiny-GGUF:q4_k_m'));
    expect(path.basename(q4.modelPath)).toBe('tiny-Q4_K_M.gguf');
    expect(readFileSync(q4.modelPath, 'utf8')).toBe('GGUF q4');
    const q8 = await snapshotDownload(hubEnv(), ref('acme/tiny-GGUF:tiny-Q8_0.gguf'));
    expect(readFileSync(q8.modelPath, 'utf8')).toBe('GGUF q8');
    await expect(snapshotDownload(hubEnv(), ref('acme/tiny-GGUF:Q2_K'))).rejects.toThrow(/matches no GGUF/);
  });

  it('resumes a partial download with a Range request', async () => {
    const blob = blobIdOf(tinyFiles[2]!);
    const blobs = path.join(home, 'hf', 'hub', 'models--acme--tiny', 'blobs');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(path.join(blobs, `${blob}.incomplete`), weights.subarray(0, 30_000));
    const got = await snapshotDownload(hubEnv(), ref('acme/tiny'));
    expect(hub.requests.some((r) => r.range === 'bytes=30000-')).toBe(true);
    expect(readFileSync(path.join(got.modelPath, 'model.safetensors')).equals(weights)).toBe(true);
  });

  it('rejects bytes that do not match the blob hash and leaves no blob behind', async () => {
    await expect(snapshotDownload(hubEnv(), ref('acme/corrupt'))).rejects.toThrow(/expected [0-9a-f]{40}/);
    const blobs = path.join(home, 'hf', 'hub', 'models--acme--corrupt', 'blobs');
    expect(existsSync(blobs) ? readdirSync(blobs) : []).toEqual([]);
  });

  it('says an unknown repo is not found', async () => {
    await expect(snapshotDownload(hubEnv(), ref('acme/nope'))).rejects.toThrow(/acme\/nope@main: not found/);
  });
});

describe('offline', () => {
  it('HF_HUB_OFFLINE serves a cached snapshot without touching the network', async () => {
    const online = await snapshotDownload(hubEnv(), ref('acme/tiny'));
    hub.requests.length = 0;
    const offline = await snapshotDownload(hubEnv({ HF_HUB_OFFLINE: '1' }), ref('acme/tiny'));
    expect(offline.modelPath).toBe(online.modelPath);
    expect(hub.requests).toEqual([]);
  });

  it('fails in one line that says how to pass a local model, offline or with the hub unreachable', async () => {
    for (const extra of [{ HF_HUB_OFFLINE: '1' }, { HF_ENDPOINT: 'http://127.0.0.1:9' }]) {
      const err = await snapshotDownload(hubEnv(extra), ref('Qwen/Qwen3-0.6B')).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      const message = (err as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toMatch(/^Qwen\/Qwen3-0\.6B is not in the cache .* hipserve serve \.\/path/);
    }
  });

  it('falls back to the cache when the hub is unreachable', async () => {
    const online = await snapshotDownload(hubEnv(), ref('acme/tiny'));
    const unreachable = await snapshotDownload(hubEnv({ HF_ENDPOINT: 'http://127.0.0.1:9' }), ref('acme/tiny'));
    expect(unreachable.modelPath).toBe(online.modelPath);
  });
});

describe('resolveModel', () => {
  it('uses a local path as is and rejects what is neither a path nor a repo id', async () => {
    const local = await resolveModel(home, hubEnv());
    expect(local).toMatchObject({ modelPath: home, source: 'local' });
    await expect(resolveModel('./no/such/model/here', hubEnv())).rejects.toThrow(/not a Hugging Face repo id/);
  });

  it.skipIf(missingShared(storiesDir))('downloads a real model that the loader then opens', async () => {
    const got = await resolveModel('karpathy/stories260K', hubEnv());
    expect(got).toMatchObject({ name: 'karpathy/stories260K', source: 'hub' });
    const files = loadModelFiles(got.modelPath);
    expect(files.format).toBe('safetensors');
    expect(files.config.vocabSize).toBe(512);
  });
});

describe('parseRepoRef', () => {
  it('reads owner/name, @revision and :gguf selector, and refuses what is not a repo id', () => {
    expect(parseRepoRef('Qwen/Qwen3-0.6B')).toEqual({ repoId: 'Qwen/Qwen3-0.6B', revision: 'main', ggufSelector: null });
    expect(parseRepoRef('a/b@v1.0:Q4_K_M')).toEqual({ repoId: 'a/b', revision: 'v1.0', ggufSelector: 'Q4_K_M' });
    for (const bad of ['qwen', '/abs/path', './rel/x', 'a/b/c', '../x', 'a/..', 'a b/c']) expect(parseRepoRef(bad), bad).toBeNull();
  });
});

describe('readHubEnv', () => {
  it('defaults to ~/.cache/huggingface/hub and huggingface.co', () => {
    const env = readHubEnv({ HOME: '/home/u' });
    expect(env.cacheDir).toBe(path.join(os.homedir(), '.cache', 'huggingface', 'hub'));
    expect(env.endpoint).toBe('https://huggingface.co');
    expect(env.offline).toBe(false);
    expect(readHubEnv({ HF_HOME: '/x' }).cacheDir).toBe('/x/hub');
    expect(readHubEnv({ HF_HUB_OFFLINE: 'true' }).offline).toBe(true);
    expect(readHubEnv({ HF_HUB_OFFLINE: '0' }).offline).toBe(false);
  });
});
