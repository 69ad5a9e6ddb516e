/** `hipserve serve` as a command: its help, the offline failure, unsupported flags, and draining on SIGTERM/SIGINT. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { missingBuild, startCliServer } from './helpers/cli-server.js';
import { parseSse } from './helpers/fake-server.js';
import { missingShared, sharedPath } from '../helpers/shared-data.js';

const BIN = fileURLToPath(new URL('../../bin/hipserve.js', import.meta.url));
const HF = 'models/stories260K/hf';

function hipserve(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(missingBuild())('hipserve serve (command line)', () => {
  it('--help documents every vLLM flag', () => {
    const { status, stdout } = hipserve(['serve', '--help']);
    expect(status).toBe(0);
    for (const flag of ['--host', '--port', '--served-model-name', '--max-model-len', '--max-num-seqs', '--max-num-batched-tokens',
      '--num-gpu-blocks-override', '--tensor-parallel-size', '--gpu-memory-utilization', '--kv-cache-dtype', '--dtype',
      '--enable-prefix-caching', '--no-enable-prefix-caching', '--api-key', '--chat-template', '--generation-config',
      '--trust-remote-code', '--seed', '--disable-log-requests']) {
      expect(stdout, flag).toContain(flag);
    }
    expect(stdout).toContain('Qwen/Qwen3-0.6B');
  });

  it('offline, with no model given and none cached, fails in one line that says how to pass a local model', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'hipserve-cli-'));
    try {
      for (const env of [{ HF_HUB_OFFLINE: '1' }, { HF_ENDPOINT: 'http://127.0.0.1:9' }]) {
        const { status, stderr } = hipserve(['serve'], { HF_HOME: home, ...env });
        expect(status).toBe(1);
        expect(stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(stderr).toMatch(/^hipserve: Qwen\/Qwen3-0\.6B is not in the cache .*hipserve serve \.\/path/);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('bad flag values and flags this build cannot honour are refused', () => {
    expect(hipserve(['serve', 'x', '--port', 'http']).stderr).toMatch(/--port.*expected an integer/);
    expect(hipserve(['serve', 'x', '--max-model-len', '-5']).stderr).toMatch(/--max-model-len/);
    expect(hipserve(['serve', 'x', '--dtype', 'int3']).stderr).toMatch(/Allowed choices are/);
    const tp = hipserve(['serve', sharedPath(HF), '--tensor-parallel-size', '2']);
    expect([tp.status, tp.stderr]).toEqual([1, expect.stringMatching(/tensor-parallel-size 2/)]);
  });

  it.skipIf(missingShared(HF))('SIGTERM drains a stream in flight, then exits 0', async () => {
    const server = await startCliServer([sharedPath(HF)]);
    const res = await fetch(`${server.url}/v1/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Once upon a time', max_tokens: 500, ignore_eos: true, stream: true }),
    });
    const reader = res.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    const exit = server.stop('SIGTERM');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const { events, done } = parseSse(text);
    expect(done).toBe(true);
    expect(events.at(-1).choices[0].finish_reason).toBe('length');
    expect(await exit).toBe(0);
    expect(server.stderr()).toMatch(/SIGTERM: no longer accepting/);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it.skipIf(missingShared(HF))('prints the resolved configuration at startup', async () => {
    const server = await startCliServer([sharedPath(HF), '--max-model-len', '256', '--num-gpu-blocks-override', '40',
      '--no-enable-prefix-caching', '--served-model-name', 'tiny', 'tinier']);
    try {
      const out = server.stderr();
      expect(out).toMatch(/max model len\s+256/);
      expect(out).toMatch(/KV cache\s+39 blocks of 16 tokens/);
      expect(out).toMatch(/prefix caching\s+false/);
      expect(out).toMatch(/served model name\s+tiny, tinier/);
      expect(out).toMatch(/platform\s+cpu\n/);
      const models = await (await fetch(`${server.url}/v1/models`)).json() as { data: { id: string }[] };
      expect(models.data.map((m: { id: string }) => m.id)).toEqual(['tiny', 'tinier']);
    } finally {
      expect(await server.stop('SIGINT')).toBe(0);
    }
  });
});
