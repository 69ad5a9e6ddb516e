/** A client that disconnects mid-stream aborts its request, and its KV blocks are freed at once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { missingBuild, startCliServer, type CliServer } from './helpers/cli-server.js';
import { metricValue } from './helpers/fake-server.js';
import { missingShared, sharedPath } from '../helpers/shared-data.js';

const HF = 'models/stories260K/hf';

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > end) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(missingBuild() || missingShared(HF))('client disconnect', () => {
  let server: CliServer;
  beforeAll(async () => {
    server = await startCliServer([sharedPath(HF), '--served-model-name', 'stories', '--disable-log-requests']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const stream of [true, false]) {
    it(`${stream ? 'streamed' : 'whole'}: aborts the request and returns KV usage to zero`, async () => {
      const before = await metrics(server.url);
      const aborts = metricValue(before, 'hipserve:request_success_total', 'finished_reason="abort"')!;
      const controller = new AbortController();
      const pending = fetch(`${server.url}/v1/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, signal: controller.signal,
        body: JSON.stringify({ prompt: 'Once upon a time', max_tokens: 500, ignore_eos: true, stream }),
      });
      pending.catch(() => {});
      if (stream) {
        const reader = (await pending).body!.getReader();
        let events = 0;
        while (events < 3) {
          const { value } = await reader.read();
          events += new TextDecoder().decode(value).split('data: ').length - 1;
        }
      } else {
        await waitFor(() => metrics(server.url), (m) => metricValue(m, 'hipserve:kv_cache_usage_perc')! > 0);
      }
      const during = await metrics(server.url);
      expect(metricValue(during, 'hipserve:kv_cache_usage_perc')).toBeGreaterThan(0);
      controller.abort();

      const after = await waitFor(() => metrics(server.url), (m) =>
        metricValue(m, 'hipserve:request_success_total', 'finished_reason="abort"') === aborts + 1 &&
        metricValue(m, 'hipserve:kv_cache_usage_perc') === 0 && metricValue(m, 'hipserve:num_requests_running') === 0);
      expect(metricValue(after, 'hipserve:request_success_total', 'finished_reason="abort"')).toBe(aborts + 1);
      expect(metricValue(after, 'hipserve:num_requests_running')).toBe(0);
      expect(metricValue(after, 'hipserve:kv_cache_usage_perc')).toBe(0);
      // The aborted request stopped early, and the server goes on serving.
      expect(metricValue(after, 'hipserve:generation_tokens_total')! - metricValue(before, 'hipserve:generation_tokens_total')!).toBeLessThan(500);
      const next = await fetch(`${server.url}/v1/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'Once', max_tokens: 3 }),
      });
      expect(next.status).toBe(200);
    });
  }
});
