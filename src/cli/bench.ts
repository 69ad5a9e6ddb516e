import type { Command } from 'commander';

import { addKernelsCommand } from '../bench/commands/kernels-command.js';
import { addLatencyCommand } from '../bench/commands/latency-command.js';
import { addServeCommand } from '../bench/commands/serve-command.js';
import { addThroughputCommand } from '../bench/commands/throughput-command.js';

/** `hipserve bench serve|latency|throughput|kernels`. */
export function registerBench(program: Command): void {
  const bench = program.command('bench').description('benchmark a server (serve), the offline engine (latency, throughput) or the kernels');
  addServeCommand(bench);
  addLatencyCommand(bench);
  addThroughputCommand(bench);
  addKernelsCommand(bench);
}
