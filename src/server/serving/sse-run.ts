import type { FastifyReply } from 'fastify';

import { toHttpError } from '../errors/openai-error.js';
import { SseStream } from '../sse-stream.js';
import type { ChoiceEvent, GenerationRun } from './generation-run.js';

export interface StreamHandlers {
  /** Chunks to send before any output (chat's role chunks). */
  readonly opening?: () => unknown[];
  /** The chunk for one event, or null to send nothing. */
  readonly chunk: (event: ChoiceEvent) => unknown;
  /** The usage-only chunk at the end (stream_options.include_usage), or null. */
  readonly closing?: () => unknown;
}

/**
 * Streams a run as server-sent events ending in `data: [DONE]`. A client that disconnects aborts the run at once
 * (freeing its KV blocks); an error after the stream began is sent as an error event, since the status is gone.
 */
export async function streamRun(reply: FastifyReply, run: GenerationRun, handlers: StreamHandlers): Promise<void> {
  const sse = new SseStream(reply);
  sse.onDisconnect(() => run.abort());
  try {
    for (const chunk of handlers.opening?.() ?? []) await sse.send(chunk);
    for await (const event of run.events()) {
      if (sse.isClosed) break;
      const chunk = handlers.chunk(event);
      if (chunk !== null) await sse.send(chunk);
    }
    const closing = handlers.closing?.();
    if (closing) await sse.send(closing);
    await sse.done();
  } catch (err) {
    const error = toHttpError(err);
    if (error.status >= 500) reply.log.error({ err }, 'stream failed');
    await sse.send(error.body);
    await sse.done();
  } finally {
    sse.end();
  }
}
