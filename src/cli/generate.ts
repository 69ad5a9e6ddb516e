import { Command, InvalidArgumentError } from 'commander';

import { LLM } from '../llm/llm.js';
import { parseCount, parseInteger } from '../server/config/cli-values.js';
import { loadProgressBar } from '../server/progress-bar.js';

interface GenerateFlags {
  prompt: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  seed?: number;
  threads?: number;
  ignoreEos?: boolean;
}

const parseFloatFlag = (value: string): number => {
  const x = Number(value);
  if (!Number.isFinite(x)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return x;
};

/** `hipserve generate <model>`: offline generation; only the generated text goes to stdout. */
export function registerGenerate(program: Command): void {
  program.command('generate')
    .description('generate text for one prompt offline (no server); prints only the generated text')
    .argument('<model>', 'a Hugging Face model folder or a .gguf file')
    .option('--prompt <text>', 'the prompt (empty: BOS alone)', '')
    .option('--max-tokens <n>', 'tokens to generate at most', (v) => parseCount(v), 128)
    .option('--temperature <t>', '0 is greedy', parseFloatFlag, 0)
    .option('--top-p <p>', 'nucleus sampling', parseFloatFlag, 1)
    .option('--top-k <k>', '0 disables', (v) => parseInteger(v), 0)
    .option('--seed <n>', 'random seed of the request', (v) => parseInteger(v))
    .option('--threads <n>', 'CPU threads (default: one per core)', (v) => parseCount(v))
    .option('--ignore-eos', 'keep going past the end-of-sequence token')
    .action(async (model: string, flags: GenerateFlags) => {
      const llm = await LLM.load(model, { numThreads: flags.threads, onProgress: loadProgressBar(), maxNumSeqs: 1 });
      try {
        const [result] = llm.generate(flags.prompt, {
          maxTokens: flags.maxTokens, temperature: flags.temperature, topP: flags.topP, topK: flags.topK,
          seed: flags.seed ?? null, ignoreEos: flags.ignoreEos ?? false,
        });
        process.stdout.write(`${result!.outputs[0]!.text}\n`);
      } finally {
        llm.dispose();
      }
    });
}
