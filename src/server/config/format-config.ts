import type { ResolvedModel } from '../hub/resolve-model.js';
import type { EngineLimits } from '../serving/engine-port.js';
import type { ServeOptions } from './serve-options.js';

/** The configuration the server resolved, printed once at startup. */
export function formatConfig(options: ServeOptions, model: ResolvedModel, limits: EngineLimits, names: readonly string[],
  hasChatTemplate: boolean): string {
  const rows: [string, unknown][] = [
    ['model', options.model],
    ['model path', model.modelPath],
    ['platform', limits.platform ?? 'unknown'],
    ['served model name', names.join(', ')],
    ['max model len', limits.maxModelLen],
    ['max num seqs', limits.maxNumSeqs],
    ['max num batched tokens', limits.maxNumBatchedTokens],
    ['KV cache', `${limits.numKvBlocks} blocks of ${limits.blockSize} tokens (${limits.numKvBlocks * limits.blockSize} tokens)`],
    ['prefix caching', limits.enablePrefixCaching],
    ['dtype / KV cache dtype', `${options.dtype} / ${options.kvCacheDtype}`],
    ['chat template', options.chatTemplate ?? (hasChatTemplate ? 'the model\'s' : 'none (pass --chat-template for chat)')],
    ['generation config', options.generationConfig],
    ['API key', options.apiKey.length > 0 ? 'required' : 'none'],
    ['seed', options.seed ?? 'random'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `hipserve configuration:\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${String(v)}`).join('\n')}\n`;
}
