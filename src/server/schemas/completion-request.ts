import { Type, type Static } from '@sinclair/typebox';

import { SamplingFields } from './sampling-fields.js';
import { Opt, TokenIds } from './schema-helpers.js';

export const PromptSchema = Type.Union([Type.String(), Type.Array(Type.String()), TokenIds, Type.Array(TokenIds)], {
  description: 'a string, an array of strings, an array of token ids or an array of token-id arrays',
});

/** POST /v1/completions. */
export const CompletionRequest = Type.Object({
  ...SamplingFields,
  prompt: PromptSchema,
  echo: Opt(Type.Boolean()),
  logprobs: Opt(Type.Integer()),
  best_of: Opt(Type.Integer()),
  suffix: Opt(Type.String()),
});
export type CompletionRequest = Static<typeof CompletionRequest>;
