import type { Command } from 'commander';

import { parsePort } from '../../server/config/cli-values.js';
import { collectKeyValue } from '../commands/flag-parsers.js';

/** Flags naming the OpenAI-compatible server a client command (bench serve, eval gsm8k) talks to. */
export interface ServerTargetFlags {
  baseUrl?: string;
  host: string;
  port: number;
  header?: Record<string, string>;
  model?: string;
}

export function addServerTargetFlags(command: Command): Command {
  return command
    .option('--base-url <url>', 'server URL (default http://HOST:PORT)')
    .option('--host <host>', 'server host', '127.0.0.1')
    .option('--port <port>', 'server port', parsePort, 8000)
    .option('--header <KEY=VALUE>', 'HTTP header for every request (repeatable; $OPENAI_API_KEY sends a bearer token)', collectKeyValue)
    .option('--model <name>', 'model to ask for (default: the first the server lists)');
}

/** The server's URL without a trailing slash, and the headers of every request ($OPENAI_API_KEY as a bearer token). */
export function serverTarget(f: ServerTargetFlags): { baseUrl: string; headers: Record<string, string> } {
  const baseUrl = (f.baseUrl ?? `http://${f.host.includes(':') ? `[${f.host}]` : f.host}:${f.port}`).replace(/\/+$/, '');
  const headers = { ...(process.env.OPENAI_API_KEY ? { Authorization: `Bearer ${process.env.OPENAI_API_KEY}` } : {}), ...f.header };
  return { baseUrl, headers };
}
