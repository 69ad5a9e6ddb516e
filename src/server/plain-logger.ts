import type { FastifyBaseLogger } from 'fastify';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
type Level = keyof typeof LEVELS;

function field(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function line(level: string, bindings: Record<string, unknown>, args: unknown[]): string {
  let [first, ...rest] = args;
  const fields: Record<string, unknown> = { ...bindings };
  let err: Error | null = null;
  if (first instanceof Error) {
    err = first;
    first = rest.shift() ?? first.message;
  } else if (typeof first === 'object' && first !== null) {
    const { err: e, ...other } = first as Record<string, unknown>;
    if (e instanceof Error) err = e;
    Object.assign(fields, other);
    first = rest.shift() ?? '';
  }
  const time = new Date().toISOString().slice(11, 19);
  const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${field(v)}`).join('');
  return `${level.toUpperCase().padEnd(5)} ${time} ${String(first)}${extra}${err ? `\n${err.stack ?? err.message}` : ''}\n`;
}

/** One readable line per log call (what a terminal user wants), in place of pino's JSON. */
export function plainLogger(stream: NodeJS.WritableStream = process.stderr, level: Level = 'info',
  bindings: Record<string, unknown> = {}): FastifyBaseLogger {
  const threshold = LEVELS[level];
  const at = (name: Level) => (...args: unknown[]): void => {
    if (LEVELS[name] >= threshold) stream.write(line(name, bindings, args));
  };
  return {
    level,
    trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'),
    silent: () => {},
    child: (more: Record<string, unknown>) => plainLogger(stream, level, { ...bindings, ...more }),
  } as FastifyBaseLogger;
}
