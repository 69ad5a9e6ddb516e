import { HipserveError } from '../../errors.js';
import { KVCacheExceededError } from '../errors/openai-error.js';
import type { EngineLimits } from './engine-port.js';

/**
 * Refuses a prompt the model cannot take: longer than max_model_len, leaving no room for output, asking for more
 * output than the context leaves (as vLLM does), or needing more KV-cache blocks than the cache has in all.
 * Returns the output tokens allowed.
 */
export function checkContext(numPromptTokens: number, maxTokens: number | null, limits: EngineLimits, param: string): number {
  const max = limits.maxModelLen;
  if (numPromptTokens >= max) {
    throw new HipserveError('context_length_exceeded',
      `This model's maximum context length is ${max} tokens. However, your request has ${numPromptTokens} input tokens` +
      `${numPromptTokens === max ? ', which leaves no room for output' : ''}. Please reduce the length of the input.`, param);
  }
  if (maxTokens !== null && numPromptTokens + maxTokens > max) {
    throw new HipserveError('context_length_exceeded',
      `This model's maximum context length is ${max} tokens. However, you requested ${numPromptTokens + maxTokens} tokens ` +
      `(${numPromptTokens} in the input, ${maxTokens} in the completion). Please reduce the length of the input or completion.`,
      'max_tokens');
  }
  const allowed = maxTokens ?? max - numPromptTokens;
  const blocks = Math.ceil((numPromptTokens + allowed) / limits.blockSize);
  if (blocks > limits.numKvBlocks) {
    throw new KVCacheExceededError(
      `${numPromptTokens + allowed} tokens need ${blocks} KV-cache blocks, but the whole cache has ${limits.numKvBlocks}; ` +
      'lower max_tokens or shorten the input', param);
  }
  return allowed;
}
