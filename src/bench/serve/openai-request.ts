import { sseData } from './sse-events.js';

export type Backend = 'openai' | 'openai-chat';

export interface RequestInput {
  readonly backend: Backend;
  /** Full URL of the endpoint: base URL + /v1/completions or /v1/chat/completions. */
  readonly apiUrl: string;
  readonly model: string;
  readonly prompt: string;
  readonly promptLen: number;
  readonly outputLen: number;
  readonly ignoreEos: boolean;
  readonly logprobs: number | null;
  /** Merged into the JSON body (sampling parameters, --extra-body). */
  readonly extraBody: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;
}

/** One request as the client saw it; times in seconds (vLLM's RequestFuncOutput). */
export interface RequestOutput {
  success: boolean;
  error: string;
  generatedText: string;
  /** The server's usage.prompt_tokens when it sends usage, else the dataset's count. */
  promptLen: number;
  /** The server's usage.completion_tokens, or null when it sent no usage. */
  outputTokens: number | null;
  /** Streamed chunks that carried content. */
  numChunks: number;
  /** First content chunk − request start. */
  ttft: number;
  /** Gaps between successive content chunks. */
  itl: number[];
  /** Last content chunk − request start. */
  latency: number;
  /** When the request was sent, in seconds on the benchmark's clock. */
  startTime: number;
  /** Time spent waiting for a --max-concurrency slot before sending. */
  clientQueueTime: number;
}

interface StreamChunk {
  choices?: { text?: string | null; delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string };
}

function requestBody(input: RequestInput): Record<string, unknown> {
  const common = {
    model: input.model, stream: true, stream_options: { include_usage: true },
    ...(input.logprobs !== null ? { logprobs: input.logprobs } : {}),
    ...(input.ignoreEos ? { ignore_eos: true } : {}),
  };
  const body = input.backend === 'openai'
    ? { ...common, prompt: input.prompt, max_tokens: input.outputLen }
    : { ...common, messages: [{ role: 'user', content: input.prompt }], max_completion_tokens: input.outputLen };
  return { ...body, ...input.extraBody };
}

function chunkText(backend: Backend, chunk: StreamChunk): string | null {
  const choice = chunk.choices?.[0];
  if (!choice) return null;
  if (backend === 'openai') return choice.text ?? '';
  const d = choice.delta ?? {};
  return (d.reasoning_content ?? d.reasoning ?? '') + (d.content ?? '');
}

/**
 * Sends one streaming request and times it on `clock` (seconds). TTFT and ITL count only chunks with content
 * (text, content or reasoning): a chat server's opening role-only chunk or a closing chunk with just a
 * finish_reason is not a token.
 */
export async function sendRequest(input: RequestInput, clock: () => number): Promise<RequestOutput> {
  const start = clock();
  const out: RequestOutput = {
    success: false, error: '', generatedText: '', promptLen: input.promptLen, outputTokens: null, numChunks: 0,
    ttft: 0, itl: [], latency: 0, startTime: start, clientQueueTime: 0,
  };
  let last = start;
  try {
    const response = await fetch(input.apiUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...input.headers },
      body: JSON.stringify(requestBody(input)),
    });
    if (!response.ok || !response.body) {
      out.error = `HTTP ${response.status}: ${(await response.text()).slice(0, 500)}`;
      return out;
    }
    for await (const data of sseData(response.body)) {
      if (data.trim() === '[DONE]') continue;
      const chunk = JSON.parse(data) as StreamChunk;
      if (chunk.error) throw new Error(`stream error: ${chunk.error.message ?? data}`);
      const text = chunkText(input.backend, chunk);
      if (text) {
        const now = clock();
        if (out.numChunks === 0) out.ttft = now - start;
        else out.itl.push(now - last);
        last = now;
        out.numChunks++;
        out.generatedText += text;
      }
      if (chunk.usage) {
        if (typeof chunk.usage.completion_tokens === 'number') out.outputTokens = chunk.usage.completion_tokens;
        if (typeof chunk.usage.prompt_tokens === 'number') out.promptLen = chunk.usage.prompt_tokens;
      }
    }
    out.latency = last - start;
    out.success = out.numChunks > 0;
    if (!out.success) out.error = 'the stream ended without a content chunk';
  } catch (e) {
    out.error = e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e);
  }
  return out;
}
