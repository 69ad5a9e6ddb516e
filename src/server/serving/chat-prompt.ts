import { existsSync, readFileSync } from 'node:fs';

import { HipserveError } from '../../errors.js';
import { ChatTemplate, selectChatTemplate, type ChatMessage } from '../../tokenizer/chat-template.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import type { PreparedPrompt } from './completion-prompts.js';

export interface ChatPromptRequest {
  readonly messages: readonly { readonly role: string; readonly content?: unknown; readonly [k: string]: unknown }[];
  readonly tools?: readonly unknown[] | null;
  readonly documents?: readonly unknown[] | null;
  readonly add_generation_prompt?: boolean | null;
  readonly continue_final_message?: boolean | null;
  readonly chat_template?: string | null;
  readonly chat_template_kwargs?: Readonly<Record<string, unknown>> | null;
  readonly add_special_tokens?: boolean | null;
}

/** `--chat-template`: a file holding the template, or the template itself. */
export function loadChatTemplateOption(value: string): ChatTemplate {
  if (existsSync(value)) return new ChatTemplate(readFileSync(value, 'utf8'), value);
  if (/[{][{%]/.test(value)) return new ChatTemplate(value, '--chat-template');
  throw new HipserveError('invalid_request', `--chat-template ${value}: no such file, and it is not a Jinja template`, 'chat_template');
}

/** Content parts as text: text parts joined by newlines (vLLM's "string" content format); other kinds are refused. */
function contentText(content: unknown, param: string): unknown {
  if (!Array.isArray(content)) return content;
  return content.map((part: { type?: unknown; text?: unknown }, j) => {
    if ((part.type === 'text' || part.type === 'input_text') && typeof part.text === 'string') return part.text;
    throw new HipserveError('unsupported', `${param}[${j}]: content parts of type ${JSON.stringify(part.type)} are not ` +
      'supported; this server takes text only', `${param}[${j}]`);
  }).join('\n');
}

/** Tool-call arguments arrive as JSON text; templates index into them, so they get the parsed object (as vLLM does). */
function parsedToolCalls(toolCalls: unknown): unknown {
  if (!Array.isArray(toolCalls)) return toolCalls;
  return toolCalls.map((call: { function?: { arguments?: unknown } }) => {
    const args = call.function?.arguments;
    if (typeof args !== 'string') return call;
    try {
      return { ...call, function: { ...call.function, arguments: JSON.parse(args) as unknown } };
    } catch {
      return call;
    }
  });
}

function templateMessages(request: ChatPromptRequest): ChatMessage[] {
  return request.messages.map((m, i) => {
    const message: Record<string, unknown> = { ...m, content: contentText(m.content ?? null, `messages[${i}].content`) };
    if (m.tool_calls !== undefined) message.tool_calls = parsedToolCalls(m.tool_calls);
    return message as ChatMessage;
  });
}

/**
 * The conversation as prompt text and tokens, through the server's --chat-template or else the model's own.
 * `continue_final_message` leaves the last (assistant) message open for the model to go on with.
 */
export function chatPrompt(request: ChatPromptRequest, tokenizer: Tokenizer, serverTemplate: ChatTemplate | null): PreparedPrompt {
  if (request.chat_template != null) {
    throw new HipserveError('invalid_request',
      'chat_template in a request is not accepted: start the server with --chat-template instead', 'chat_template');
  }
  const continueFinal = request.continue_final_message ?? false;
  const addGenerationPrompt = request.add_generation_prompt ?? !continueFinal;
  if (continueFinal && addGenerationPrompt) {
    throw new HipserveError('invalid_request', 'add_generation_prompt and continue_final_message cannot both be true',
      'continue_final_message');
  }
  const messages = templateMessages(request);
  const template = serverTemplate ?? selectChatTemplate(tokenizer.chatTemplates, { tools: request.tools ?? null });
  if (!template) {
    throw new HipserveError('invalid_request', 'this model has no chat template, so it cannot serve chat completions: ' +
      'start the server with --chat-template <file>, or use /v1/completions', 'messages');
  }
  let text = template.render({
    messages,
    addGenerationPrompt,
    tools: request.tools ?? null,
    documents: request.documents ?? null,
    bosToken: tokenizer.specials.bosToken,
    eosToken: tokenizer.specials.eosToken,
    chatTemplateKwargs: request.chat_template_kwargs ?? {},
  });
  if (continueFinal) text = cutAfterFinalMessage(text, messages.at(-1)!);
  const tokenIds = tokenizer.encode(text, { addSpecialTokens: request.add_special_tokens ?? false });
  return { text, tokenIds };
}

function cutAfterFinalMessage(text: string, last: ChatMessage): string {
  const content = typeof last.content === 'string' ? last.content : '';
  const at = content ? text.lastIndexOf(content.trimEnd()) : -1;
  if (at < 0) {
    throw new HipserveError('invalid_request', 'continue_final_message: the final message is not in the rendered prompt',
      'continue_final_message');
  }
  return text.slice(0, at + content.trimEnd().length);
}
