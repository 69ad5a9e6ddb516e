import type { Command } from 'commander';

import { addGsm8kCommand } from '../eval/gsm8k-command.js';
import { addReferenceCommand } from '../eval/reference-command.js';

/** `hipserve eval reference|gsm8k`. */
export function registerEval(program: Command): void {
  const evalCommand = program.command('eval').description('check a model: agreement with stored references (offline), GSM8K accuracy of a server');
  addReferenceCommand(evalCommand);
  addGsm8kCommand(evalCommand);
}
