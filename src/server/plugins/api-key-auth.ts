import { createHash, timingSafeEqual } from 'node:crypto';

import { httpError } from '../errors/openai-error.js';
import { sendHttpError } from './error-handler.js';
import { sharedPlugin } from './shared-plugin.js';

export interface ApiKeyOptions {
  /** Keys any of which unlocks /v1; none: the API is open. */
  readonly apiKeys: readonly string[];
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares in time that depends on neither the key nor how much of it matched (digests have equal length). */
export function keyMatches(given: string, keys: readonly Buffer[]): boolean {
  const d = digest(given);
  let ok = false;
  for (const key of keys) ok = timingSafeEqual(d, key) || ok;
  return ok;
}

/** `Authorization: Bearer <key>` on /v1 routes, as vLLM's --api-key checks it. */
export const apiKeyAuth = sharedPlugin<ApiKeyOptions>('hipserve-api-key', async (app, options) => {
  if (options.apiKeys.length === 0) return;
  const keys = options.apiKeys.map(digest);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1')) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match && keyMatches(match[1]!.trim(), keys)) return;
    const message = header ? 'Incorrect API key provided.' : 'Missing API key: send "Authorization: Bearer <key>".';
    return sendHttpError(reply, httpError(401, message, 'invalid_api_key'));
  });
});
