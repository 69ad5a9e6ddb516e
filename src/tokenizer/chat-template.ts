/**
 * Chat templates (Jinja, from tokenizer_config.json `chat_template` or GGUF `tokenizer.chat_template`) rendered with
 * @huggingface/jinja in the context transformers' apply_chat_template builds: messages, tools, documents,
 * add_generation_prompt, bos_token/eos_token, and the request's chat_template_kwargs (enable_thinking, ...).
 */
import { Template } from '@huggingface/jinja';

import { HipserveError } from '../errors.js';
import type { ChatTemplates } from './tokenizer.js';

/** An OpenAI-style message; templates read whatever fields they know (tool_calls, reasoning_content, ...). */
export interface ChatMessage {
  readonly role: string;
  readonly content?: unknown;
  readonly [field: string]: unknown;
}

export interface RenderChatOptions {
  readonly messages: readonly ChatMessage[];
  /** End with the header of an assistant turn, so the model writes the reply. */
  readonly addGenerationPrompt?: boolean;
  /** OpenAI tool definitions ({ type: 'function', function: { name, description, parameters } }). */
  readonly tools?: readonly unknown[] | null;
  readonly documents?: readonly unknown[] | null;
  readonly bosToken?: string | null;
  readonly eosToken?: string | null;
  /** Extra variables for the template; they cannot replace the fields above. */
  readonly chatTemplateKwargs?: Readonly<Record<string, unknown>>;
}

export class ChatTemplate {
  private readonly template: Template;

  /** Throws 'model_file_error' when @huggingface/jinja cannot parse the source. */
  constructor(readonly source: string, readonly name = 'default') {
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new HipserveError('model_file_error', `chat template ${JSON.stringify(name)} does not parse: ${(e as Error).message}`);
    }
  }

  /** Throws 'invalid_request' when the template rejects the conversation (raise_exception) or fails on it. */
  render(options: RenderChatOptions): string {
    const context = {
      ...options.chatTemplateKwargs,
      messages: options.messages,
      tools: options.tools ?? null,
      documents: options.documents ?? null,
      add_generation_prompt: options.addGenerationPrompt ?? false,
      bos_token: options.bosToken ?? '',
      eos_token: options.eosToken ?? '',
    };
    try {
      return this.template.render(context);
    } catch (e) {
      throw new HipserveError('invalid_request', `chat template ${JSON.stringify(this.name)}: ${(e as Error).message}`, 'messages');
    }
  }
}

/**
 * The template to use, as transformers chooses: the one named, else "tool_use" when tools are given and the model
 * has one, else "default"; null when there is none.
 */
export function selectChatTemplate(templates: ChatTemplates, options: { name?: string; tools?: readonly unknown[] | null } = {}): ChatTemplate | null {
  let name = options.name;
  if (name === undefined) name = options.tools?.length && templates.tool_use !== undefined ? 'tool_use' : 'default';
  const source = templates[name];
  if (source === undefined) {
    if (options.name !== undefined) {
      throw new HipserveError('invalid_request', `no chat template named ${JSON.stringify(name)}; the model has ${Object.keys(templates).join(', ') || 'none'}`, 'chat_template');
    }
    return null;
  }
  return new ChatTemplate(source, name);
}
