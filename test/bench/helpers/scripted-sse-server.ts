/**
 * A tiny OpenAI-compatible streaming server for protocol edge cases. The prompt scripts the reply:
 *   "ttft=40 gap=10 n=5"  first chunk after 40 ms, then 4 more 10 ms apart
 *   "status=500"          an HTTP error
 *   "usage=no"            no usage chunk (the client must count chunks)
 *   "split=1"             every SSE event written byte by byte
 *   "empty=1"             a role-only chunk first and a finish-only chunk last (chat) / an empty-text chunk (completions)
 * It records when each request arrived and how many were in flight at most.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ScriptedServer {
  readonly url: string;
  readonly bodies: Record<string, unknown>[];
  maxInFlight: number;
  close(): Promise<void>;
}

function script(prompt: string): Record<string, number | string> {
  return Object.fromEntries(prompt.split(/\s+/).filter((w) => w.includes('=')).map((w) => {
    const [k, v] = w.split('=') as [string, string];
    return [k, Number.isNaN(Number(v)) ? v : Number(v)];
  }));
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return JSON.parse(text) as Record<string, unknown>;
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  let inFlight = 0;
  const state = { bodies: [] as Record<string, unknown>[], maxInFlight: 0 };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'scripted', root: null }] }));
      return;
    }
    const body = await readBody(req);
    state.bodies.push(body);
    const chat = req.url === '/v1/chat/completions';
    const prompt = chat ? String((body.messages as { content: string }[])[0]!.content) : String(body.prompt);
    const s = script(prompt);
    if (s.status) {
      res.statusCode = Number(s.status);
      res.end(JSON.stringify({ error: { message: 'scripted failure' } }));
      return;
    }
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.setHeader('Content-Type', 'text/event-stream');
    const send = async (payload: unknown): Promise<void> => {
      const event = `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`;
      if (s.split) for (const ch of Buffer.from(event)) res.write(Buffer.from([ch]));
      else res.write(event);
    };
    const choice = (text: string, finish: string | null) => chat
      ? { index: 0, delta: text === '' && finish === null ? { role: 'assistant', content: '' } : { content: text }, finish_reason: finish }
      : { index: 0, text, finish_reason: finish };
    const n = Number(s.n ?? 1);
    await sleep(Number(s.ttft ?? 0));
    if (s.empty) await send({ choices: [choice('', null)] });
    res.write(': keep-alive comment\n\n');
    for (let i = 0; i < n; i++) {
      if (i > 0) await sleep(Number(s.gap ?? 0));
      await send({ choices: [choice(`t${i} `, !s.empty && i === n - 1 ? 'length' : null)] });
    }
    if (s.empty) await send({ choices: [chat ? { index: 0, delta: {}, finish_reason: 'length' } : choice('', 'length')] });
    if (s.usage !== 'no') await send({ choices: [], usage: { prompt_tokens: 7, completion_tokens: n, total_tokens: 7 + n } });
    await send('[DONE]');
    res.end();
    inFlight--;
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
}
