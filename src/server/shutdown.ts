import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

import type { ServingEngine } from './serving/engine-port.js';

/**
 * SIGINT/SIGTERM: stop accepting connections, let in-flight requests finish (streams included), stop the engine,
 * exit 0. A second signal exits at once with status 1.
 */
export function installShutdown(app: FastifyInstance, engine: ServingEngine, log: FastifyBaseLogger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn(`${signal} again: exiting without draining`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: no longer accepting requests; draining those in flight (send ${signal} again to exit at once)`);
    app.close()
      .then(() => engine.shutdown())
      .then(() => {
        log.info('drained; bye');
        process.exit(0);
      }, (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
