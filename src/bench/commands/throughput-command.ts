import type { Command } from 'commander';

import { parseCount, parseInteger } from '../../server/config/cli-values.js';
import { benchThroughput } from '../offline/bench-throughput.js';
import { addEngineFlags, loadBenchEngine, type EngineFlags } from '../offline/engine-flags.js';
import { saveOfflineResult } from './offline-result.js';
import { addResultFlags, type ResultFlags } from './result-flags.js';

interface ThroughputFlags extends EngineFlags, ResultFlags {
  inputLen: number;
  outputLen: number;
  numPrompts: number;
  seed: number;
}

/** `hipserve bench throughput <model>`: vLLM's `vllm bench throughput` on random prompts, offline. */
export function addThroughputCommand(bench: Command): void {
  const command = bench.command('throughput')
    .description('offline throughput (no HTTP) of many random prompts at once; flags as `vllm bench throughput`')
    .argument('<model>', 'a Hugging Face model folder or a .gguf file')
    .option('--input-len <n>', 'prompt tokens', (v) => parseCount(v), 128)
    .option('--output-len <n>', 'generated tokens (EOS ignored)', (v) => parseCount(v), 128)
    .option('--num-prompts <n>', 'prompts', (v) => parseCount(v), 1000)
    .option('--seed <n>', 'seed of the random prompts', parseInteger, 0);
  addResultFlags(addEngineFlags(command), 'throughput-{model}-{date}.json').action(async (model: string, flags: ThroughputFlags) => {
    const llm = await loadBenchEngine(model, flags, Math.min(flags.numPrompts, 256));
    try {
      const r = benchThroughput(llm, flags);
      console.log(`Throughput: ${r.requests_per_second.toFixed(2)} requests/s, ${r.tokens_per_second.toFixed(2)} total tokens/s, ` +
        `${r.output_tokens_per_second.toFixed(2)} output tokens/s`);
      console.log(`Total num prompt tokens:  ${r.total_num_tokens - r.total_output_tokens}`);
      console.log(`Total num output tokens:  ${r.total_output_tokens}`);
      saveOfflineResult('throughput', model, llm, flags, {}, r);
    } finally {
      llm.dispose();
    }
  });
}
