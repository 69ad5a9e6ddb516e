import { randomUUID } from 'node:crypto';

import type { FastifyReply } from 'fastify';

import { HipserveError } from '../../errors.js';
import type { SamplingParams } from '../../sampling/sampling-params.js';
import type { ServingContext } from '../serving-context.js';

/** The served name a request asked for (or the default); an unknown name is a 404, as OpenAI answers. */
export function servedModelName(ctx: ServingContext, requested: string | null | undefined): string {
  if (requested == null || requested === '') return ctx.modelNames[0]!;
  if (!ctx.modelNames.includes(requested)) {
    throw new HipserveError('model_not_found', `The model \`${requested}\` does not exist. This server serves ${ctx.modelNames.map((m) => `\`${m}\``).join(', ')}.`, 'model');
  }
  return requested;
}

export function responseId(prefix: string, given?: string | null): string {
  return given ? `${prefix}-${given}` : `${prefix}-${randomUUID().replaceAll('-', '')}`;
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Calls `onGone` if the client disconnects before the response is complete. */
export function onClientGone(reply: FastifyReply, onGone: () => void): void {
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) onGone();
  });
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** The few request fields worth a log line. */
export function requestSummary(params: SamplingParams, stream: boolean | null | undefined): Record<string, unknown> {
  return {
    n: params.n, maxTokens: params.maxTokens, temperature: params.temperature, seed: params.seed,
    ...(params.stop.length > 0 ? { stop: params.stop } : {}), stream: stream ?? false,
  };
}
