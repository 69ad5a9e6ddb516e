import type { Command } from 'commander';

import { addResultFlags, modelResultName, saveIfAsked, type ResultFlags } from '../bench/commands/result-flags.js';
import { parseNumber } from '../bench/commands/flag-parsers.js';
import { environment } from '../bench/environment.js';
import { firstServedModel } from '../bench/serve/resolve-target.js';
import { addServerTargetFlags, serverTarget, type ServerTargetFlags } from '../bench/serve/server-target.js';
import { benchResult } from '../bench/write-result.js';
import { HipserveError } from '../errors.js';
import { parseCount, parseInteger } from '../server/config/cli-values.js';
import { createBar } from '../server/progress-bar.js';
import { readGsm8k } from './gsm8k.js';
import { runGsm8k } from './run-gsm8k.js';

interface Gsm8kFlags extends ResultFlags, ServerTargetFlags {
  taskFile: string;
  shotsFile?: string;
  numShots: number;
  numQuestions?: number;
  maxTokens: number;
  maxConcurrency: number;
  temperature: number;
  seed: number;
  saveDetailed?: boolean;
  disableTqdm?: boolean;
}

/** `hipserve eval gsm8k --task-file test.jsonl`: few-shot exact-match accuracy against a running server. */
export function addGsm8kCommand(evalCommand: Command): void {
  const command = addServerTargetFlags(evalCommand.command('gsm8k')
    .description('few-shot GSM8K exact-match accuracy of a running OpenAI-compatible server (/v1/completions)')
    .requiredOption('--task-file <file.jsonl>', 'questions in GSM8K JSONL form ({"question", "answer": "... #### 42"})')
    .option('--shots-file <file.jsonl>', 'worked examples for the prompt (GSM8K train); default: the first --num-shots items of the task file, which are then not asked')
    .option('--num-shots <n>', 'worked examples before each question', (v) => parseCount(v, 0), 5)
    .option('--num-questions <n>', 'questions to ask (default: all)', (v) => parseCount(v))
    .option('--max-tokens <n>', 'tokens per answer at most', (v) => parseCount(v), 256)
    .option('--max-concurrency <n>', 'requests in flight at most', (v) => parseCount(v), 8)
    .option('--temperature <t>', 'sampling temperature', parseNumber, 0)
    .option('--seed <n>', 'request seed', parseInteger, 42))
    .option('--save-detailed', 'also save every completion')
    .option('--disable-tqdm', 'no progress bar');
  addResultFlags(command, 'eval-gsm8k-{model}-{date}.json')
    .action(async (flags: Gsm8kFlags) => {
      const { baseUrl, headers } = serverTarget(flags);
      const tasks = readGsm8k(flags.taskFile);
      const shots = flags.shotsFile ? readGsm8k(flags.shotsFile).slice(0, flags.numShots) : tasks.slice(0, flags.numShots);
      const pool = flags.shotsFile ? tasks : tasks.slice(flags.numShots);
      const questions = pool.slice(0, flags.numQuestions ?? pool.length);
      if (shots.length < flags.numShots) throw new HipserveError('invalid_request', `only ${shots.length} worked examples for --num-shots ${flags.numShots}`, 'num-shots');
      if (questions.length === 0) throw new HipserveError('invalid_request', `${flags.taskFile} leaves no question after the ${flags.numShots} worked examples`, 'task-file');
      const model = flags.model ?? (await firstServedModel(baseUrl, headers)).id;
      console.log(`GSM8K: ${questions.length} questions, ${flags.numShots}-shot, against ${baseUrl} (${model})`);
      const bar = flags.disableTqdm ? null : createBar('Questions |{bar}| {value}/{total}');
      bar?.start(questions.length, 0);
      let run;
      try {
        run = await runGsm8k(shots, questions, {
          baseUrl, model, headers, numShots: flags.numShots, maxTokens: flags.maxTokens, maxConcurrency: flags.maxConcurrency,
          temperature: flags.temperature, seed: flags.seed,
        }, (done) => bar?.update(done));
      } finally {
        bar?.stop();
      }
      console.log(`Accuracy: ${run.accuracy.toFixed(3)} (${run.correct}/${run.questions})`);
      console.log(`Invalid responses: ${run.invalid_rate.toFixed(3)}`);
      console.log(`Total latency: ${run.latency_s.toFixed(3)} s, ${run.questions_per_second.toFixed(3)} questions/s, ${run.output_tokens_per_second.toFixed(1)} output tokens/s`);
      const { completions, ...summary } = run;
      const date = new Date();
      const { header: _headers, ...config } = flags;
      const result = benchResult('eval-gsm8k', {
        label: flags.label ?? null,
        config: { ...config, baseUrl, model, numQuestions: questions.length },
        environment: environment({ date, hardware: flags.hardware }),
        model: { id: model, path: null },
        results: { ...summary, ...(flags.saveDetailed ? { completions } : {}) },
      });
      saveIfAsked(flags, result, modelResultName('eval-gsm8k', model, date), console.log);
    });
}
