import type cliProgress from 'cli-progress';

import type { LoadProgress } from '../models/causal-lm-options.js';
import { createBar } from '../server/progress-bar.js';

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
