import type { Command } from 'commander';

import { addResultFlags, modelResultName, saveIfAsked, type ResultFlags } from '../bench/commands/result-flags.js';
import { environment } from '../bench/environment.js';
import { kernelInfo } from '../bench/offline/engine-flags.js';
import { benchResult } from '../bench/write-result.js';
import { parseCount } from '../server/config/cli-values.js';
import { LLM } from '../llm/llm.js';
import { parseNumber } from '../bench/commands/flag-parsers.js';
import { referenceAgreement } from './reference-agreement.js';
import { readReferenceSet } from './reference-set.js';

interface ReferenceFlags extends ResultFlags {
  reference?: string;
  logprobs: number;
  logprobTolerance: number;
  threads?: number;
}

/** `hipserve eval reference <model>`: greedy ids and logprobs against a stored reference; exit 1 on disagreement. */
export function addReferenceCommand(evalCommand: Command): void {
  const command = evalCommand.command('reference')
    .description('check greedy tokens and logprobs against a stored reference (transformers or llama.cpp fixture); exits 1 when they disagree')
    .argument('<model>', 'a Hugging Face model folder or a .gguf file')
    .option('--reference <file>', 'the reference JSON (default: reference.json in the model folder)')
    .option('--logprobs <k>', 'top logprobs compared at each stored distribution', (v) => parseCount(v), 5)
    .option('--logprob-tolerance <nats>', 'largest |logprob − reference| that passes', parseNumber, 1e-2)
    .option('--threads <n>', 'CPU threads (default: one per core)', (v) => parseCount(v));
  addResultFlags(command, 'eval-reference-{model}-{date}.json')
    .action(async (model: string, flags: ReferenceFlags) => {
      const set = readReferenceSet(flags.reference ?? model);
      const llm = await LLM.load(model, { numThreads: flags.threads, skipTokenizer: true, maxNumSeqs: Math.max(1, set.cases.length) });
      let r;
      try {
        r = referenceAgreement(llm, set, { topLogprobs: flags.logprobs, tolerance: flags.logprobTolerance });
      } finally {
        llm.dispose();
      }
      console.log(`reference ${set.file} (${set.source}): ${r.cases_matched}/${r.cases} cases identical, ` +
        `${r.tokens_matched}/${r.tokens_compared} tokens (${(r.token_agreement * 100).toFixed(1)}%)` +
        `${r.max_logprob_diff !== null ? `, max |Δ logprob| ${r.max_logprob_diff.toExponential(2)} over ${r.positions_with_logprobs} position(s)` : ''}`);
      for (const [i, c] of r.per_case.entries()) {
        if (c.firstMismatch) console.log(`  case ${i}: token ${c.firstMismatch.index} is ${c.firstMismatch.got}, reference ${c.firstMismatch.expected}`);
      }
      console.log(r.passed ? 'PASS' : 'FAIL');
      const date = new Date();
      const result = benchResult('eval-reference', {
        label: flags.label ?? null,
        config: { ...flags, model, reference: set.source, referenceFile: set.file },
        environment: environment({ date, hardware: flags.hardware, ...kernelInfo(flags) }),
        model: { id: model, path: model },
        results: r,
      });
      saveIfAsked(flags, result, modelResultName('eval-reference', model, date), console.log);
      if (!r.passed) process.exitCode = 1;
    });
}
