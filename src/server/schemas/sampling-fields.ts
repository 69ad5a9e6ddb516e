import { Type } from '@sinclair/typebox';

import { Nullable, Opt, StopSchema, StreamOptions, TokenIds } from './schema-helpers.js';

/**
 * Fields /v1/completions and /v1/chat/completions share: OpenAI's sampling parameters and vLLM's extras. Types are
 * checked here; ranges and cross-field rules are checked once, by resolveSamplingParams, so both routes agree.
 */
export const SamplingFields = {
  model: Opt(Type.String()),
  n: Opt(Type.Integer()),
  max_tokens: Opt(Type.Integer()),
  temperature: Opt(Type.Number()),
  top_p: Opt(Type.Number()),
  presence_penalty: Opt(Type.Number()),
  frequency_penalty: Opt(Type.Number()),
  logit_bias: Opt(Type.Record(Type.String(), Type.Number())),
  seed: Opt(Type.Integer()),
  stop: Type.Optional(Nullable(StopSchema)),
  stream: Opt(Type.Boolean()),
  stream_options: Opt(StreamOptions),
  user: Opt(Type.String()),
  top_k: Opt(Type.Integer()),
  min_p: Opt(Type.Number()),
  repetition_penalty: Opt(Type.Number()),
  stop_token_ids: Opt(TokenIds),
  ignore_eos: Opt(Type.Boolean()),
  min_tokens: Opt(Type.Integer()),
  skip_special_tokens: Opt(Type.Boolean()),
  spaces_between_special_tokens: Opt(Type.Boolean()),
  include_stop_str_in_output: Opt(Type.Boolean()),
  allowed_token_ids: Opt(TokenIds),
  bad_words: Opt(Type.Array(Type.String())),
  prompt_logprobs: Opt(Type.Integer()),
  return_tokens_as_token_ids: Opt(Type.Boolean()),
  add_special_tokens: Opt(Type.Boolean()),
  truncate_prompt_tokens: Opt(Type.Integer({ minimum: 1 })),
  priority: Opt(Type.Integer()),
  request_id: Opt(Type.String()),
  cache_salt: Opt(Type.String()),
};
