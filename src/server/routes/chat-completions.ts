import type { FastifyPluginAsync, FastifyReply } from 'fastify';

import { HipserveError } from '../../errors.js';
import { ChatCompletionRequest } from '../schemas/chat-request.js';
import { chatPrompt } from '../serving/chat-prompt.js';
import { collectChoices } from '../serving/collect-choices.js';
import { checkContext } from '../serving/context-check.js';
import { GenerationRun } from '../serving/generation-run.js';
import { LogprobsFormatter } from '../serving/logprobs-format.js';
import { chatLogprobs, requestSamplingParams } from '../serving/request-sampling.js';
import { streamRun } from '../serving/sse-run.js';
import type { ServingContext } from '../serving-context.js';
import { onClientGone, requestSummary, responseId, servedModelName, unixSeconds, usage } from './route-helpers.js';

/** Tools reach the template; forcing a call would need constrained decoding, which this server does not do. */
function refuseUnsupported(body: ChatCompletionRequest): void {
  const choice = body.tool_choice;
  if (choice != null && choice !== 'auto' && choice !== 'none') {
    throw new HipserveError('unsupported', 'tool_choice "required" or a named function is not supported; use "auto" or "none"', 'tool_choice');
  }
  const format = body.response_format?.type;
  if (format != null && format !== 'text') {
    throw new HipserveError('unsupported', `response_format ${JSON.stringify(format)} is not supported; only "text" is`, 'response_format');
  }
}

/** POST /v1/chat/completions: a conversation through the chat template, whole or streamed. */
export const chatCompletionsRoute: FastifyPluginAsync<ServingContext> = async (app, ctx) => {
  app.post<{ Body: ChatCompletionRequest }>('/v1/chat/completions', { schema: { body: ChatCompletionRequest } }, async (request, reply) => {
    const body = request.body;
    const model = servedModelName(ctx, body.model);
    refuseUnsupported(body);
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? null;
    const params = requestSamplingParams(body, { maxTokens, logprobs: chatLogprobs(body.logprobs, body.top_logprobs) }, ctx.sampling);
    const prompt = chatPrompt(body, ctx.tokenizer, ctx.chatTemplate);
    const allowed = checkContext(prompt.tokenIds.length, params.maxTokens, ctx.limits, 'messages');

    const id = responseId('chatcmpl', body.request_id);
    const run = new GenerationRun(ctx.engine, ctx.metrics, id, [prompt], params, {
      priority: body.priority ?? 0, cacheSalt: body.cache_salt, maxTokens: allowed,
    });
    if (ctx.logRequests) request.log.info({ ...requestSummary(params, body.stream), promptTokens: prompt.tokenIds.length }, `${id} received`);
    const created = unixSeconds();
    const format = new LogprobsFormatter(ctx.tokenizer, body.return_tokens_as_token_ids ?? false);
    const numPromptTokens = prompt.tokenIds.length;

    if (body.stream) return streamChat(reply, run, { id, created, model, format, numPromptTokens, promptTokenIds: prompt.tokenIds, body });

    onClientGone(reply, () => run.abort());
    const collected = await collectChoices(run);
    const promptLogprobs = collected.promptLogprobs[0];
    const completionTokens = collected.choices.reduce((sum, c) => sum + c.tokenIds.length, 0);
    return {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: collected.choices.map((c) => ({
        index: c.index,
        message: { role: 'assistant', content: c.text, refusal: null, tool_calls: [] },
        logprobs: params.logprobs === null ? null : format.chat(c.logprobs, prompt.tokenIds),
        finish_reason: c.finishReason,
        stop_reason: c.stopReason,
      })),
      usage: usage(numPromptTokens, completionTokens),
      ...(body.prompt_logprobs != null && promptLogprobs ? { prompt_logprobs: format.prompt(prompt.tokenIds, promptLogprobs) } : {}),
    };
  });
};

interface StreamContext {
  id: string;
  created: number;
  model: string;
  format: LogprobsFormatter;
  numPromptTokens: number;
  promptTokenIds: readonly number[];
  body: ChatCompletionRequest;
}

async function streamChat(reply: FastifyReply, run: GenerationRun, s: StreamContext): Promise<void> {
  let completionTokens = 0;
  /** Per choice: the tokens so far, the context of the next ones' logprob texts. */
  const history = new Map<number, number[]>();
  const includeUsage = s.body.stream_options?.include_usage ?? false;
  const continuous = includeUsage && (s.body.stream_options?.continuous_usage_stats ?? false);
  const base = { id: s.id, object: 'chat.completion.chunk', created: s.created, model: s.model };
  const withUsage = (chunk: object): object => (continuous ? { ...chunk, usage: usage(s.numPromptTokens, completionTokens) } : chunk);

  await streamRun(reply, run, {
    opening: () => Array.from({ length: run.params.n }, (_, index) => withUsage({
      ...base, choices: [{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    })),
    chunk({ delta, index }) {
      completionTokens += delta.tokenIds.length;
      const seen = history.get(index) ?? [...s.promptTokenIds];
      history.set(index, seen);
      const logprobs = delta.logprobs && run.params.logprobs !== null ? s.format.chat(delta.logprobs, seen) : null;
      seen.push(...delta.tokenIds);
      if (delta.text === '' && delta.finishReason === null && !(delta.logprobs?.length)) return null;
      return withUsage({
        ...base,
        choices: [{
          index,
          delta: delta.text === '' ? {} : { content: delta.text },
          logprobs,
          finish_reason: delta.finishReason,
          stop_reason: delta.stopReason,
        }],
      });
    },
    closing: () => (includeUsage ? { ...base, choices: [], usage: usage(s.numPromptTokens, completionTokens) } : null),
  });
}
