import type { ServerResponse } from 'node:http';

import type { FastifyReply } from 'fastify';

/**
 * A server-sent-event stream in OpenAI's dialect: `data: <json>` events, then `data: [DONE]`. Writes wait for the
 * socket to drain, so a slow client slows its own request instead of filling memory.
 */
export class SseStream {
  private readonly raw: ServerResponse;
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(reply: FastifyReply, headers: Record<string, string> = {}) {
    reply.hijack();
    this.raw = reply.raw;
    this.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    this.raw.flushHeaders();
    this.raw.on('close', () => {
      const early = !this.raw.writableFinished;
      this.closed = true;
      if (early) for (const listener of this.closeListeners) listener();
    });
  }

  /** True once the client has gone or the stream has ended. */
  get isClosed(): boolean {
    return this.closed || this.raw.destroyed;
  }

  /** Called once if the client disconnects before the stream ends. */
  onDisconnect(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  async send(event: unknown): Promise<void> {
    await this.write(`data: ${JSON.stringify(event)}\n\n`);
  }

  async done(): Promise<void> {
    await this.write('data: [DONE]\n\n');
    this.end();
  }

  end(): void {
    if (!this.raw.writableEnded) this.raw.end();
  }

  private async write(chunk: string): Promise<void> {
    if (this.isClosed) return;
    if (this.raw.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const settle = (): void => {
        this.raw.off('drain', settle);
        this.raw.off('close', settle);
        resolve();
      };
      this.raw.on('drain', settle);
      this.raw.on('close', settle);
    });
  }
}
