import { Type, type Static } from '@sinclair/typebox';

import { SamplingFields } from './sampling-fields.js';
import { Nullable, Opt } from './schema-helpers.js';

const ContentPart = Type.Object({ type: Type.String() }, { additionalProperties: true });

export const MessageContent = Type.Union([Type.String(), Type.Array(ContentPart), Type.Null()], {
  description: 'a string, an array of content parts or null',
});

/** An OpenAI chat message; templates read any other field they know (tool_calls, tool_call_id, name, ...). */
export const ChatMessageSchema = Type.Object({
  role: Type.String({ minLength: 1 }),
  content: Type.Optional(MessageContent),
  name: Opt(Type.String()),
  tool_call_id: Opt(Type.String()),
  tool_calls: Opt(Type.Array(Type.Object({}, { additionalProperties: true }))),
}, { additionalProperties: true });

const ToolSchema = Type.Object({
  type: Type.String(),
  function: Type.Object({ name: Type.String() }, { additionalProperties: true }),
}, { additionalProperties: true });

export const ToolChoice = Type.Union([Type.String(), Type.Object({}, { additionalProperties: true })], {
  description: 'a string ("none", "auto", "required") or an object naming a function',
});

/** Fields of a chat conversation that become a prompt through the chat template (also used by /tokenize). */
export const ChatPromptFields = {
  messages: Type.Array(ChatMessageSchema, { minItems: 1 }),
  tools: Opt(Type.Array(ToolSchema)),
  tool_choice: Type.Optional(Nullable(ToolChoice)),
  documents: Opt(Type.Array(Type.Object({}, { additionalProperties: true }))),
  add_generation_prompt: Opt(Type.Boolean()),
  continue_final_message: Opt(Type.Boolean()),
  chat_template: Opt(Type.String()),
  chat_template_kwargs: Opt(Type.Object({}, { additionalProperties: true })),
};

/** POST /v1/chat/completions. */
export const ChatCompletionRequest = Type.Object({
  ...SamplingFields,
  ...ChatPromptFields,
  max_completion_tokens: Opt(Type.Integer()),
  logprobs: Opt(Type.Boolean()),
  top_logprobs: Opt(Type.Integer()),
  parallel_tool_calls: Opt(Type.Boolean()),
  response_format: Opt(Type.Object({ type: Type.String() }, { additionalProperties: true })),
  echo: Opt(Type.Boolean()),
});
export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>;
