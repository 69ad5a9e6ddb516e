import type { Command } from 'commander';

import { loadAddon } from '../../../bindings/addon.js';
import { loadProgressBar } from '../../server/progress-bar.js';
import { LLM } from '../../llm/llm.js';
import { parseCount } from '../../server/config/cli-values.js';
import type { SeededRandom } from '../seeded-random.js';

/** Engine flags of the offline benchmarks, named as `vllm serve` names them. */
export interface EngineFlags {
  threads?: number;
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  maxModelLen?: number;
  blockSize?: number;
  enablePrefixCaching: boolean;
}

export function addEngineFlags(command: Command): Command {
  return command
    .option('--threads <n>', 'CPU threads for the kernels (default: one per core)', (v) => parseCount(v))
    .option('--max-num-seqs <n>', 'requests running at once at most (default: the batch)', (v) => parseCount(v))
    .option('--max-num-batched-tokens <n>', 'tokens in one engine step at most (default 2048)', (v) => parseCount(v))
    .option('--max-model-len <n>', 'longest context (default: the model\'s)', (v) => parseCount(v))
    .option('--block-size <n>', 'tokens per KV-cache block', (v) => parseCount(v))
    .option('--enable-prefix-caching', 'reuse the KV cache of shared prompt prefixes (default)', true)
    .option('--no-enable-prefix-caching', 'turn the prefix cache off');
}

/** Loads the model for an offline benchmark, with at least `batch` sequences in flight. */
export async function loadBenchEngine(model: string, f: EngineFlags, batch: number): Promise<LLM> {
  return LLM.load(model, {
    numThreads: f.threads, skipTokenizer: true, onProgress: loadProgressBar(), maxNumSeqs: f.maxNumSeqs ?? batch,
    maxNumBatchedTokens: f.maxNumBatchedTokens, maxModelLen: f.maxModelLen, blockSize: f.blockSize,
    enablePrefixCaching: f.enablePrefixCaching,
  });
}

/** The kernel threads and ISA the run used, for its environment. */
export function kernelInfo(f: Pick<EngineFlags, 'threads'>): { threads: number | null; isa: string } {
  return { threads: f.threads ?? null, isa: loadAddon().cpuIsa() };
}

/** Random token-id prompts of exact lengths (vLLM's dummy prompts): no tokenizer, no prefix shared by chance. */
export function randomPrompts(rng: SeededRandom, count: number, length: number, vocabSize: number): { promptTokenIds: number[] }[] {
  return Array.from({ length: count }, () => ({ promptTokenIds: Array.from({ length }, () => rng.int(0, vocabSize - 1)) }));
}
