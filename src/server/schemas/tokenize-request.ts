import { Type, type Static } from '@sinclair/typebox';

import { ChatPromptFields } from './chat-request.js';
import { Opt, TokenIds } from './schema-helpers.js';

const TokenizeCompletion = Type.Object({
  model: Opt(Type.String()),
  prompt: Type.String(),
  add_special_tokens: Opt(Type.Boolean()),
  return_token_strs: Opt(Type.Boolean()),
});

const TokenizeChat = Type.Object({
  model: Opt(Type.String()),
  ...ChatPromptFields,
  add_special_tokens: Opt(Type.Boolean()),
  return_token_strs: Opt(Type.Boolean()),
});

/** POST /tokenize: a prompt, or chat messages rendered through the chat template (vLLM's two forms). */
export const TokenizeRequest = Type.Union([TokenizeCompletion, TokenizeChat], {
  description: 'an object with either "prompt" (a string) or "messages" (an array of chat messages)',
});
export type TokenizeRequest = Static<typeof TokenizeRequest>;
export type TokenizeChatRequest = Static<typeof TokenizeChat>;

/** POST /detokenize. */
export const DetokenizeRequest = Type.Object({
  model: Opt(Type.String()),
  tokens: TokenIds,
});
export type DetokenizeRequest = Static<typeof DetokenizeRequest>;
