import type { Command } from 'commander';

import { parseCount, parseInteger } from '../../server/config/cli-values.js';
import { createBar } from '../../server/progress-bar.js';
import { benchLatency, LATENCY_PERCENTILES } from '../offline/bench-latency.js';
import { addEngineFlags, loadBenchEngine, type EngineFlags } from '../offline/engine-flags.js';
import { saveOfflineResult } from './offline-result.js';
import { addResultFlags, type ResultFlags } from './result-flags.js';

interface LatencyFlags extends EngineFlags, ResultFlags {
  inputLen: number;
  outputLen: number;
  batchSize: number;
  numItersWarmup: number;
  numIters: number;
  seed: number;
}

/** `hipserve bench latency <model>`: vLLM's `vllm bench latency`, offline. */
export function addLatencyCommand(bench: Command): void {
  const command = bench.command('latency')
    .description('time one batch end to end offline (no HTTP); flags as `vllm bench latency`')
    .argument('<model>', 'a Hugging Face model folder or a .gguf file')
    .option('--input-len <n>', 'prompt tokens', (v) => parseCount(v), 32)
    .option('--output-len <n>', 'generated tokens (EOS ignored)', (v) => parseCount(v), 128)
    .option('--batch-size <n>', 'prompts per batch', (v) => parseCount(v), 8)
    .option('--num-iters-warmup <n>', 'untimed iterations first', (v) => parseCount(v, 0), 10)
    .option('--num-iters <n>', 'timed iterations', (v) => parseCount(v), 30)
    .option('--seed <n>', 'seed of the random prompts', parseInteger, 0);
  addResultFlags(addEngineFlags(command), 'latency-{model}-{date}.json').action(async (model: string, flags: LatencyFlags) => {
    const llm = await loadBenchEngine(model, flags, flags.batchSize);
    try {
      const bar = createBar('Iterations |{bar}| {value}/{total}');
      bar.start(flags.numIters, 0);
      const results = benchLatency(llm, flags, (done) => bar.update(done));
      bar.stop();
      console.log(`Avg latency: ${results.avg_latency_s} seconds`);
      for (const p of LATENCY_PERCENTILES) console.log(`${p}% percentile latency: ${results[`p${p}_latency_s`]} seconds`);
      console.log(`Output tokens/s at the average latency: ${results.output_tokens_per_second.toFixed(2)}`);
      saveOfflineResult('latency', model, llm, flags, {}, results);
    } finally {
      llm.dispose();
    }
  });
}
