import { Command, Option } from 'commander';

import { parseCount, parseInteger } from '../../server/config/cli-values.js';
import { benchServe, DATASETS, type ServeFlags } from '../serve/bench-serve.js';
import { addServerTargetFlags } from '../serve/server-target.js';
import { addResultFlags } from './result-flags.js';
import { collectKeyValue, collectSlo, parseJsonObject, parseMetricList, parseNumber, parsePercentileList, parsePositive } from './flag-parsers.js';

const count = (v: string): number => parseCount(v);
const countOrZero = (v: string): number => parseCount(v, 0);

/** `hipserve bench serve`: vLLM's `vllm bench serve` against any OpenAI-compatible server. */
export function addServeCommand(bench: Command): void {
  const command = addServerTargetFlags(bench.command('serve')
    .description('load-test an OpenAI-compatible server (hipserve, vLLM, llama.cpp) with streamed requests; flags as `vllm bench serve`')
    .addOption(new Option('--backend <backend>', 'API to call').choices(['openai', 'openai-chat']).default('openai')))
    .option('--endpoint <path>', 'API path (default /v1/completions; /v1/chat/completions for openai-chat)')
    .option('--served-model-name <name>', 'name sent in requests, when it differs from --model')
    .option('--tokenizer <path-or-repo>', 'tokenizer for prompts and counts (default: the model, or the server\'s model path)')
    .addOption(new Option('--dataset-name <name>', 'prompts to send').choices(DATASETS).default('random'))
    .option('--dataset-path <file>', 'ShareGPT-format JSON file (--dataset-name sharegpt)')
    .option('--num-prompts <n>', 'requests to send', count, 1000)
    .option('--input-len <n>', 'input length of any dataset that has one (overrides --random-input-len)', count)
    .option('--output-len <n>', 'output length of any dataset (overrides the dataset-specific flags)', count)
    .option('--random-input-len <n>', 'tokens per prompt (random dataset)', count, 1024)
    .option('--random-output-len <n>', 'tokens to generate (random dataset)', count, 128)
    .option('--random-range-ratio <r>', 'lengths drawn uniformly from [len·(1−r), len·(1+r)]', parseNumber, 0)
    .option('--random-prefix-len <n>', 'random tokens shared by every prompt, before its own', countOrZero, 0)
    .option('--prefix-repetition-prefix-len <n>', 'shared prefix tokens (prefix_repetition)', countOrZero, 256)
    .option('--prefix-repetition-suffix-len <n>', 'tokens after the prefix, per prompt', countOrZero, 256)
    .option('--prefix-repetition-num-prefixes <n>', 'distinct prefixes', count, 10)
    .option('--prefix-repetition-output-len <n>', 'tokens to generate', count, 128)
    .option('--sharegpt-output-len <n>', 'tokens to generate instead of each recorded reply\'s length', count)
    .addOption(new Option('--request-rate <rps>', 'requests per second, Poisson arrivals; inf sends all at once (a burst)')
      .argParser(parsePositive).default(Infinity, 'inf'))
    .option('--burstiness <factor>', '1: Poisson; below 1 burstier, above more regular (gamma-distributed gaps)', parsePositive, 1)
    .option('--max-concurrency <n>', 'requests in flight at most', count)
    .option('--num-warmups <n>', 'warm-up requests before measuring', countOrZero, 0)
    .option('--seed <n>', 'seed of the dataset and arrival times', parseInteger, 0)
    .option('--ignore-eos', 'ask the server to generate past EOS (always on for the random dataset)')
    .option('--logprobs <n>', 'logprobs per token to ask for', countOrZero)
    .option('--temperature <t>', 'sampling temperature (default: the server\'s)', parseNumber)
    .option('--top-p <p>', 'top-p', parseNumber)
    .option('--top-k <k>', 'top-k', parseInteger)
    .option('--min-p <p>', 'min-p', parseNumber)
    .option('--frequency-penalty <x>', 'frequency penalty', parseNumber)
    .option('--presence-penalty <x>', 'presence penalty', parseNumber)
    .option('--repetition-penalty <x>', 'repetition penalty', parseNumber)
    .option('--extra-body <json>', 'JSON object merged into every request body', parseJsonObject)
    .option('--percentile-metrics <list>', 'metrics to report percentiles of', parseMetricList, ['ttft', 'tpot', 'itl', 'e2el'])
    .option('--metric-percentiles <list>', 'percentiles to report', parsePercentileList, [90, 99])
    .option('--goodput <KEY:ms...>', 'SLOs for goodput: ttft:<ms> tpot:<ms> e2el:<ms>', collectSlo)
    .option('--save-detailed', 'also save per-request lengths, TTFTs, ITLs, latencies, texts and errors')
    .option('--metadata <KEY=VALUE>', 'recorded in the result\'s config (repeatable)', collectKeyValue)
    .option('--disable-tqdm', 'no progress bar');
  addResultFlags(command, '{label}-{rate}qps[-concurrency{n}]-{model}-{date}.json')
    .addHelpText('after', `
Examples:
  hipserve serve ./models/stories260K/hf --port 8000 &
  hipserve bench serve --model ./models/stories260K/hf --random-input-len 64 --random-output-len 32 \\
    --num-prompts 200 --max-concurrency 8 --save-result --result-dir results
  hipserve bench serve --base-url http://gpu-host:8000 --dataset-name sharegpt --dataset-path sharegpt.json \\
    --request-rate 4 --goodput ttft:500 tpot:50 --save-result`)
    .action(async (flags: ServeFlags) => {
      await benchServe(flags);
    });
}
