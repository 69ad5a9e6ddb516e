import { Command } from 'commander';

import { hipserveVersion } from '../server/version.js';
import { registerBench } from './bench.js';
import { registerDashboard } from './dashboard.js';
import { registerEval } from './eval.js';
import { registerGenerate } from './generate.js';
import { registerServe } from './serve.js';

/** Each subcommand adds itself to the program. */
const SUBCOMMANDS: readonly ((program: Command) => void)[] = [
  registerServe,
  registerGenerate,
  registerBench,
  registerDashboard,
  registerEval,
];

export function createProgram(): Command {
  const program = new Command('hipserve')
    .description('LLM inference server for Node.js: an OpenAI-compatible API over a native kernel library')
    .version(hipserveVersion())
    .showHelpAfterError()
    .enablePositionalOptions();
  for (const register of SUBCOMMANDS) register(program);
  return program;
}

/** The `hipserve` command line; `argv` as process.argv gives it. */
export async function main(argv: readonly string[]): Promise<void> {
  await createProgram().parseAsync([...argv]);
}
