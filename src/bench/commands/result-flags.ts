import path from 'node:path';

import type { Command } from 'commander';

import type { BenchResult } from '../bench-result.js';
import { writeResult } from '../write-result.js';

/** Flags every command that writes a result file shares (named as `vllm bench` names them). */
export interface ResultFlags {
  saveResult?: boolean;
  resultDir?: string;
  resultFilename?: string;
  label?: string;
  hardware?: string;
}

export function addResultFlags(command: Command, defaultName: string): Command {
  return command
    .option('--save-result', 'save the result JSON (the schema of src/bench/bench-result.ts)')
    .option('--result-dir <dir>', 'folder for the result file (default: the current one)')
    .option('--result-filename <file>', `file name (default ${defaultName})`)
    .option('--label <label>', 'name of this run, shown on the dashboard (e.g. hipserve, vllm)')
    .option('--hardware <name>', 'what ran the model, for the dashboard (default: this machine)');
}

/** YYYYMMDD-HHMMSS in UTC, for file names. */
export function fileTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
}

/** {prefix}-{the model's last path part}-{YYYYMMDD-HHMMSS}.json: the default name of a result about a model. */
export function modelResultName(prefix: string, model: string, date: Date): string {
  return `${prefix}-${model.split(/[\\/]/).filter(Boolean).pop()}-${fileTimestamp(date)}.json`;
}

/** Writes the result when asked (--save-result or a file name) and says where. */
export function saveIfAsked(flags: ResultFlags, result: BenchResult<object>, defaultName: string, out: (line: string) => void): string | null {
  if (!flags.saveResult && flags.resultFilename === undefined) return null;
  const name = flags.resultFilename ?? defaultName;
  const file = flags.resultDir ? path.join(flags.resultDir, name) : name;
  writeResult(file, result);
  out(`Saved ${file}`);
  return file;
}
