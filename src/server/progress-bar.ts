import cliProgress from 'cli-progress';

import type { LoadProgress } from '../models/causal-lm-options.js';
import type { DownloadProgress } from './hub/snapshot-download.js';

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A bar on stderr (drawn only when stderr is a terminal, as cli-progress does by default). */
export function createBar(format: string, stream: NodeJS.WritableStream = process.stderr): cliProgress.SingleBar {
  return new cliProgress.SingleBar({ format, stream, hideCursor: null, clearOnComplete: false, fps: 5 });
}

/** Download progress in bytes, for `snapshotDownload`. */
export function downloadProgressBar(stream: NodeJS.WritableStream = process.stderr): DownloadProgress {
  let bar: cliProgress.SingleBar | null = null;
  let done = 0;
  let total = 0;
  return {
    start(totalBytes, label) {
      if (totalBytes === 0) return;
      total = totalBytes;
      bar = createBar(`Downloading ${label} |{bar}| {percentage}% {done}/{size} | {eta_formatted}`, stream);
      bar.start(total, 0, { done: formatBytes(0), size: formatBytes(total) });
    },
    advance(bytes) {
      done += bytes;
      bar?.update(done, { done: formatBytes(done), size: formatBytes(total) });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

/** A bar on stderr for weight loading: one bar per stage, stopped when the model is ready. */
export function loadProgressBar(stream: NodeJS.WritableStream = process.stderr): (progress: LoadProgress) => void {
  let bar: cliProgress.SingleBar | null = null;
  let stage: LoadProgress['stage'] | null = null;
  return (progress) => {
    if (progress.stage !== stage) {
      bar?.stop();
      bar = null;
      stage = progress.stage;
      if (stage === 'ready') return;
      bar = createBar(`Loading ${stage === 'files' ? 'model files' : 'layers'} |{bar}| {value}/{total}`, stream);
      bar.start(progress.total, progress.done);
      return;
    }
    bar?.update(progress.done);
  };
}
