/** Chat messages to prompt: real templates (Qwen3's, from shared data) over a real tokenizer. */
import { readFileSync } from 'node:fs';

import { beforeAll, describe, expect, it } from 'vitest';

import { ChatTemplate } from '../../src/tokenizer/chat-template.js';
import { loadTokenizer } from '../../src/tokenizer/load-tokenizer.js';
import type { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { chatPrompt, loadChatTemplateOption } from '../../src/server/serving/chat-prompt.js';
import { CHAT_TEMPLATE } from './helpers/cli-server.js';
import { missingShared, sharedPath } from '../helpers/shared-data.js';

const HF = 'models/stories260K/hf';
const QWEN3 = 'chat-templates/Qwen-Qwen3-0.6B.jinja';

describe.skipIf(missingShared(HF) || missingShared(QWEN3))('chatPrompt', () => {
  let tokenizer: Tokenizer;
  let qwen3: ChatTemplate;
  beforeAll(() => {
    tokenizer = loadTokenizer(sharedPath(HF));
    qwen3 = new ChatTemplate(readFileSync(sharedPath(QWEN3), 'utf8'), 'qwen3');
  });
  const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object' } } };

  it('passes tools, tool calls (arguments parsed from JSON) and tool results to the template', () => {
    const { text, tokenIds } = chatPrompt({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'Sunny' },
      ],
      tools: [weather],
    }, tokenizer, qwen3);
    expect(text).toContain('"name": "get_weather"');
    expect(text).toContain('{"name": "get_weather", "arguments": {"city": "Paris"}}');
    expect(text).toContain('<tool_response>\nSunny\n</tool_response>');
    expect(text!.endsWith('<|im_start|>assistant\n')).toBe(true);
    expect(tokenizer.decode(tokenIds)).toBe(text);
  });

  it('joins text content parts and passes chat_template_kwargs', () => {
    const { text } = chatPrompt({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: 'there' }] }],
      chat_template_kwargs: { enable_thinking: false },
    }, tokenizer, qwen3);
    expect(text).toBe('<|im_start|>user\nHello\nthere<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n');
  });

  it('continue_final_message leaves the last message open', () => {
    const template = loadChatTemplateOption(CHAT_TEMPLATE);
    const { text } = chatPrompt({
      messages: [{ role: 'user', content: 'Tell a story.' }, { role: 'assistant', content: 'Once upon a time' }],
      continue_final_message: true,
    }, tokenizer, template);
    expect(text!.endsWith('Answer: Once upon a time')).toBe(true);
    expect(() => chatPrompt({ messages: [{ role: 'user', content: 'x' }], continue_final_message: true, add_generation_prompt: true },
      tokenizer, template)).toThrow(/cannot both be true/);
  });

  it('adds no second BOS: the template writes it', () => {
    const template = loadChatTemplateOption(CHAT_TEMPLATE);
    const { tokenIds } = chatPrompt({ messages: [{ role: 'user', content: 'Hi' }] }, tokenizer, template);
    expect(tokenIds.filter((id) => id === tokenizer.bosTokenId)).toHaveLength(1);
    expect(tokenIds[0]).toBe(tokenizer.bosTokenId);
  });

  it('refuses a template sent in the request, and explains a model without one', () => {
    expect(() => chatPrompt({ messages: [{ role: 'user', content: 'x' }], chat_template: '{{ 1 }}' }, tokenizer, null))
      .toThrow(/--chat-template/);
    expect(() => chatPrompt({ messages: [{ role: 'user', content: 'x' }] }, tokenizer, null)).toThrow(/no chat template/);
  });

  it('--chat-template takes a file or the template text', () => {
    expect(loadChatTemplateOption('{{ messages[0].content }}').render({ messages: [{ role: 'user', content: 'hey' }] })).toBe('hey');
    expect(() => loadChatTemplateOption('./no/such/file.jinja')).toThrow(/no such file/);
  });
});
