/**
 * Every chat template in /work/shared/chat-templates through @huggingface/jinja: parse, render a
 * system/user/assistant/user conversation with and without add_generation_prompt, and, for templates that know
 * tools, render tool definitions and a tool call with its result.
 */
import { readdirSync, readFileSync } from 'node:fs';

import { describe, expect, test } from 'vitest';

import { HipserveError } from '../../src/errors.js';
import { ChatTemplate, selectChatTemplate, type ChatMessage, type RenderChatOptions } from '../../src/tokenizer/chat-template.js';
import { hasShared, sharedPath } from '../helpers/shared-data.js';

const DIR = 'chat-templates';
const files = hasShared(DIR) ? readdirSync(sharedPath(DIR)).filter((f) => f.endsWith('.jinja')).sort() : [];
const source = (file: string): string => readFileSync(sharedPath(`${DIR}/${file}`), 'utf8');

const SYSTEM = 'SYSTEM-7f3a: you are a terse assistant.';
const USER_1 = 'USER-ONE: what is 2+2?';
const ASSISTANT_1 = 'ASSISTANT-ONE: it is 4.';
const USER_2 = 'USER-TWO: and 3+3?';
const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: USER_1 },
  { role: 'assistant', content: ASSISTANT_1 },
  { role: 'user', content: USER_2 },
];
const TOOLS = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'] },
  },
}];
const TOOL_RESULT = 'TOOL-RESULT: 22C and sunny';
const TOOL_CALL_CONVERSATION: ChatMessage[] = [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: USER_1 },
  // Mistral templates want 9 alphanumeric characters; HF templates want arguments as an object.
  { role: 'assistant', content: '', tool_calls: [{ id: 'call00001', type: 'function', function: { name: 'get_weather', arguments: { city: 'Reykjavik' } } }] },
  { role: 'tool', tool_call_id: 'call00001', name: 'get_weather', content: TOOL_RESULT },
];

/** Templates written for tool use only: they iterate `tools` unconditionally. */
const NEEDS_TOOLS = new Set([
  'CohereForAI-c4ai-command-r-plus-tool_use.jinja', 'NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja',
  'NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja', 'meetkai-functionary-medium-v3.1.jinja',
]);
/** raise_exception('System role not supported'). */
const NO_SYSTEM_ROLE = new Set(['google-gemma-2-2b-it.jinja']);
/** Mistral's v3 templates put the system prompt in the last user turn. */
const SYSTEM_IN_LAST_USER_TURN = new Set(['mistralai-Mistral-Nemo-Instruct-2407.jinja']);
/** Variables a template reads beyond transformers' defaults, passed as chat_template_kwargs. */
const KWARGS: Readonly<Record<string, Record<string, unknown>>> = {
  'fireworks-ai-llama-3-firefunction-v2.jinja': { functions: JSON.stringify(TOOLS), datetime: '2024-06-01' },
};
/**
 * What @huggingface/jinja 0.5.11 cannot render (these cases run as test.fails, so a library fix shows up as a
 * failure asking to shrink this list).
 */
const JINJA_GAPS: Readonly<Record<string, { conversation?: string; tools?: string }>> = {
  'ByteDance-Seed-OSS.jinja': { conversation: 'dict literal with integer keys', tools: 'dict literal with integer keys' },
  'Apriel-1.6-15b-Thinker-fixed.jinja': { tools: 'the string filter on an object' },
  'unsloth-Apriel-1.5.jinja': { tools: 'the string filter on an object' },
  'meetkai-functionary-medium-v3.2.jinja': { tools: 'tuple unpacking in a for loop' },
  'Kimi-K2-Instruct.jinja': { tools: 'list.pop()' },
  'Kimi-K2-Thinking.jinja': { tools: 'list.pop()' },
};

function render(file: string, options: Partial<RenderChatOptions> & Pick<RenderChatOptions, 'messages'>): string {
  return new ChatTemplate(source(file), file).render({
    bosToken: '<s>', eosToken: '</s>', chatTemplateKwargs: KWARGS[file], ...options,
  });
}

/** Each needle's position, in the order given; -1 when missing. */
function positions(text: string, needles: readonly string[]): number[] {
  return needles.map((n) => text.indexOf(n));
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

describe.skipIf(files.length === 0)(`chat templates (${sharedPath(DIR)})`, () => {
  test('@huggingface/jinja parses every template', () => {
    const unparsed = files.flatMap((f) => {
      try {
        new ChatTemplate(source(f), f);
        return [];
      } catch (e) {
        return [`${f}: ${(e as Error).message}`];
      }
    });
    console.log(`${files.length - unparsed.length} of ${files.length} chat templates parse`);
    expect(unparsed).toEqual([]);
  });

  for (const file of files) {
    const gaps = JINJA_GAPS[file] ?? {};
    const conversationTest = gaps.conversation ? test.fails : test;
    const readsPromptFlag = source(file).includes('add_generation_prompt');
    const flagEffect = readsPromptFlag ? 'add_generation_prompt changes only the tail' : 'no add_generation_prompt in the template';
    conversationTest(`${file}: conversation in order; ${flagEffect}${gaps.conversation ? ` (jinja gap: ${gaps.conversation})` : ''}`, () => {
      const messages = NO_SYSTEM_ROLE.has(file) ? CONVERSATION.slice(1) : CONVERSATION;
      const tools = NEEDS_TOOLS.has(file) ? TOOLS : null;
      const without = render(file, { messages, tools, addGenerationPrompt: false });
      const withPrompt = render(file, { messages, tools, addGenerationPrompt: true });
      const order = NO_SYSTEM_ROLE.has(file) ? [USER_1, ASSISTANT_1, USER_2]
        : SYSTEM_IN_LAST_USER_TURN.has(file) ? [USER_1, ASSISTANT_1, SYSTEM, USER_2]
          : [SYSTEM, USER_1, ASSISTANT_1, USER_2];
      for (const text of [without, withPrompt]) {
        const at = positions(text, order);
        expect(at.every((p) => p >= 0), `missing message content: ${JSON.stringify(at)}`).toBe(true);
        expect(at).toEqual([...at].sort((a, b) => a - b));
      }
      if (!readsPromptFlag) {
        expect(withPrompt).toBe(without); // [INST]-style templates: the reply follows [/INST] anyway
        return;
      }
      expect(withPrompt).not.toBe(without);
      expect(firstDifference(without, withPrompt)).toBeGreaterThanOrEqual(without.indexOf(USER_2) + USER_2.length);
    });

    if (!source(file).includes('tools')) continue;
    const toolsTest = gaps.tools ? test.fails : test;
    toolsTest(`${file}: tool definitions, a tool call and its result${gaps.tools ? ` (jinja gap: ${gaps.tools})` : ''}`, () => {
      const defined = render(file, { messages: CONVERSATION, tools: TOOLS, addGenerationPrompt: true });
      expect(defined).toContain('get_weather');
      expect(defined).toContain('Current weather for a city');
      const called = render(file, { messages: TOOL_CALL_CONVERSATION, tools: TOOLS, addGenerationPrompt: true });
      // Some templates (LFM2, Granite 3.3) expect the call inside the assistant's content and ignore tool_calls.
      const rendersCalls = source(file).includes('tool_calls');
      const at = positions(called, rendersCalls ? [USER_1, 'Reykjavik', TOOL_RESULT] : [USER_1, TOOL_RESULT]);
      expect(at.every((p) => p >= 0), `missing content: ${JSON.stringify(at)}`).toBe(true);
      expect(at).toEqual([...at].sort((a, b) => a - b));
    });
  }

  test('chat_template_kwargs reach the template (Qwen3 enable_thinking) but cannot replace messages', () => {
    const file = 'Qwen-Qwen3-0.6B.jinja';
    const messages = [{ role: 'user', content: USER_1 }];
    const thinking = render(file, { messages, addGenerationPrompt: true });
    const noThinking = render(file, { messages, addGenerationPrompt: true, chatTemplateKwargs: { enable_thinking: false } });
    expect(thinking.endsWith('<|im_start|>assistant\n')).toBe(true);
    expect(noThinking.endsWith('<|im_start|>assistant\n<think>\n\n</think>\n\n')).toBe(true);
    const hijacked = render(file, { messages, chatTemplateKwargs: { messages: [{ role: 'user', content: 'other' }] } });
    expect(hijacked).toContain(USER_1);
  });

  test('a template that rejects the conversation gives invalid_request', () => {
    const error = (() => {
      try {
        render('google-gemma-2-2b-it.jinja', { messages: CONVERSATION });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(HipserveError);
    expect((error as HipserveError).code).toBe('invalid_request');
    expect((error as HipserveError).message).toContain('System role not supported');
  });
});

describe('selectChatTemplate', () => {
  const templates = { default: '{{ "D" }}', tool_use: '{{ "T" }}' };
  const render = (t: ChatTemplate | null): string | undefined => t?.render({ messages: [] });

  test('picks tool_use when tools are given, else default, or the one named', () => {
    expect(render(selectChatTemplate(templates))).toBe('D');
    expect(render(selectChatTemplate(templates, { tools: TOOLS }))).toBe('T');
    expect(render(selectChatTemplate({ default: '{{ "D" }}' }, { tools: TOOLS }))).toBe('D');
    expect(render(selectChatTemplate(templates, { name: 'tool_use' }))).toBe('T');
  });

  test('null without a default; an unknown name is an invalid request; a broken template a model file error', () => {
    expect(selectChatTemplate({})).toBeNull();
    expect(() => selectChatTemplate(templates, { name: 'rag' })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => new ChatTemplate('{% if %}')).toThrow(expect.objectContaining({ code: 'model_file_error' }));
  });
});
