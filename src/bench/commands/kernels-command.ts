import type { Command } from 'commander';

import { loadAddon } from '../../../bindings/addon.js';
import { parseCount } from '../../server/config/cli-values.js';
import { environment } from '../environment.js';
import { formatKernelBench, runKernelBench } from '../kernels.js';
import { benchResult } from '../write-result.js';
import { addResultFlags, fileTimestamp, saveIfAsked, type ResultFlags } from './result-flags.js';

interface KernelsFlags extends ResultFlags {
  threads: number;
}

/**
 * `hipserve bench kernels`: the kernel micro-benchmarks of this build (src/bench/kernels.ts: memcpy yardstick, GEMV,
 * prefill matmul) in the result schema. The addon is a CPU build; a GPU build's kernels are not benchmarked yet.
 */
export function addKernelsCommand(bench: Command): void {
  const command = bench.command('kernels')
    .description('kernel micro-benchmarks of this build (memcpy yardstick, GEMV as decode, matmul as prefill)')
    .option('--threads <n>', 'kernel (and memcpy) threads', (v) => parseCount(v), 2);
  addResultFlags(command, 'kernels-{isa}-{threads}t-{date}.json')
    .action(async (flags: KernelsFlags) => {
      const isa = loadAddon().cpuIsa();
      console.log(`hipserve kernel bench: cpu isa ${isa}, ${flags.threads} thread(s)`);
      const run = await runKernelBench(flags.threads);
      console.log(formatKernelBench(run));
      const date = new Date();
      const result = benchResult('kernels', {
        label: flags.label ?? null,
        config: { ...flags, build: 'cpu' },
        environment: environment({ date, hardware: flags.hardware, threads: flags.threads, isa }),
        model: null,
        results: { kernels: run.results },
      });
      saveIfAsked(flags, result, `kernels-${isa}-${flags.threads}t-${fileTimestamp(date)}.json`, console.log);
    });
}
