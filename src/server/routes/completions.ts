import type { FastifyPluginAsync, FastifyReply } from 'fastify';

import { HipserveError } from '../../errors.js';
import type { PositionLogprobs } from '../../sampling/logprobs.js';
import { CompletionRequest } from '../schemas/completion-request.js';
import { collectChoices, type CollectedChoice } from '../serving/collect-choices.js';
import { completionPrompts, type PreparedPrompt } from '../serving/completion-prompts.js';
import { checkContext } from '../serving/context-check.js';
import { GenerationRun } from '../serving/generation-run.js';
import { LogprobsFormatter } from '../serving/logprobs-format.js';
import { requestSamplingParams } from '../serving/request-sampling.js';
import { streamRun } from '../serving/sse-run.js';
import type { ServingContext } from '../serving-context.js';
import { onClientGone, requestSummary, responseId, servedModelName, unixSeconds, usage } from './route-helpers.js';

/** vLLM's default for /v1/completions (OpenAI's legacy default). */
const DEFAULT_MAX_TOKENS = 16;

function refuseUnsupported(body: CompletionRequest): void {
  if (body.best_of != null && body.best_of > 1) {
    throw new HipserveError('unsupported', 'best_of is not supported: ask for n completions and choose among them', 'best_of');
  }
  if (body.suffix != null && body.suffix !== '') {
    throw new HipserveError('unsupported', 'suffix (fill-in-the-middle) is not supported', 'suffix');
  }
}

/** POST /v1/completions: text completion of one or many prompts, whole or streamed. */
export const completionsRoute: FastifyPluginAsync<ServingContext> = async (app, ctx) => {
  app.post<{ Body: CompletionRequest }>('/v1/completions', { schema: { body: CompletionRequest } }, async (request, reply) => {
    const body = request.body;
    const model = servedModelName(ctx, body.model);
    refuseUnsupported(body);
    const prompts = completionPrompts(body.prompt, ctx.tokenizer, {
      addSpecialTokens: body.add_special_tokens ?? true,
      truncateTo: body.truncate_prompt_tokens,
    });
    const echo = body.echo ?? false;
    let params = requestSamplingParams(body, { maxTokens: body.max_tokens ?? DEFAULT_MAX_TOKENS, logprobs: body.logprobs ?? null }, ctx.sampling);
    if (echo && params.logprobs !== null) params = { ...params, promptLogprobs: Math.max(params.promptLogprobs ?? 0, params.logprobs) };
    prompts.forEach((p, i) => checkContext(p.tokenIds.length, params.maxTokens, ctx.limits, prompts.length > 1 ? `prompt[${i}]` : 'prompt'));

    const id = responseId('cmpl', body.request_id);
    const run = new GenerationRun(ctx.engine, ctx.metrics, id, prompts, params, { priority: body.priority ?? 0, cacheSalt: body.cache_salt });
    if (ctx.logRequests) request.log.info({ ...requestSummary(params, body.stream), promptTokens: prompts.map((p) => p.tokenIds.length).join(',') }, `${id} received`);
    const created = unixSeconds();
    const format = new LogprobsFormatter(ctx.tokenizer, body.return_tokens_as_token_ids ?? false);
    const promptText = (p: PreparedPrompt): string => p.text ?? ctx.tokenizer.decode(p.tokenIds, { skipSpecialTokens: false });
    const numPromptTokens = prompts.reduce((sum, p) => sum + p.tokenIds.length, 0);

    if (body.stream) return streamCompletion(reply, run, { id, created, model, echo, format, promptText, numPromptTokens, body });

    onClientGone(reply, () => run.abort());
    const collected = await collectChoices(run);
    const choices = collected.choices.map((c: CollectedChoice) => {
      const prompt = prompts[c.promptIndex]!;
      const head = echo ? promptText(prompt) : '';
      let logprobs = null;
      if (params.logprobs !== null) {
        const promptPart = echo ? collected.promptLogprobs[c.promptIndex] ?? prompt.tokenIds.map(() => null) : [];
        const ids = echo ? [...prompt.tokenIds, ...c.tokenIds] : c.tokenIds;
        logprobs = format.completion(ids, [...promptPart, ...c.logprobs], 0, echo ? [] : prompt.tokenIds);
      }
      const promptLogprobs = collected.promptLogprobs[c.promptIndex];
      return {
        index: c.index,
        text: head + c.text,
        logprobs,
        finish_reason: c.finishReason,
        stop_reason: c.stopReason,
        ...(body.prompt_logprobs != null && promptLogprobs ? { prompt_logprobs: format.prompt(prompt.tokenIds, promptLogprobs) } : {}),
      };
    });
    const completionTokens = collected.choices.reduce((sum, c) => sum + c.tokenIds.length, 0);
    return { id, object: 'text_completion', created, model, choices, usage: usage(numPromptTokens, completionTokens) };
  });
};

interface StreamContext {
  id: string;
  created: number;
  model: string;
  echo: boolean;
  format: LogprobsFormatter;
  promptText: (p: PreparedPrompt) => string;
  numPromptTokens: number;
  body: CompletionRequest;
}

async function streamCompletion(reply: FastifyReply, run: GenerationRun, s: StreamContext): Promise<void> {
  /** Per choice: the tokens shown so far (the context of the next ones' texts) and the text offset reached. */
  const history = new Map<number, number[]>();
  const offsets = new Map<number, number>();
  let completionTokens = 0;
  const includeUsage = s.body.stream_options?.include_usage ?? false;
  const continuous = includeUsage && (s.body.stream_options?.continuous_usage_stats ?? false);
  const wantLogprobs = run.params.logprobs !== null;
  const base = { id: s.id, object: 'text_completion', created: s.created, model: s.model };

  await streamRun(reply, run, {
    chunk(event) {
      const { delta, index } = event;
      const prompt = run.prompts[event.promptIndex]!;
      completionTokens += delta.tokenIds.length;
      let text = delta.text;
      let ids = delta.tokenIds;
      let positions: readonly (PositionLogprobs | null)[] = delta.logprobs ?? [];
      let seen = history.get(index);
      if (!seen) {
        history.set(index, (seen = s.echo ? [] : [...prompt.tokenIds]));
        if (s.echo) {
          text = s.promptText(prompt) + text;
          ids = [...prompt.tokenIds, ...ids];
          positions = [...(event.output.promptLogprobs ?? prompt.tokenIds.map(() => null)), ...positions];
        }
      }
      if (text === '' && ids.length === 0 && delta.finishReason === null) return null;
      let logprobs = null;
      if (wantLogprobs) {
        logprobs = s.format.completion(ids, positions, offsets.get(index) ?? 0, seen);
        offsets.set(index, (offsets.get(index) ?? 0) + logprobs.tokens.reduce((sum, t) => sum + t.length, 0));
      }
      seen.push(...ids);
      const promptLogprobs = s.body.prompt_logprobs != null && event.output.promptLogprobs
        ? { prompt_logprobs: s.format.prompt(prompt.tokenIds, event.output.promptLogprobs) } : {};
      return {
        ...base,
        choices: [{ index, text, logprobs, finish_reason: delta.finishReason, stop_reason: delta.stopReason, ...promptLogprobs }],
        ...(continuous ? { usage: usage(s.numPromptTokens, completionTokens) } : {}),
      };
    },
    closing: () => (includeUsage ? { ...base, choices: [], usage: usage(s.numPromptTokens, completionTokens) } : null),
  });
}
