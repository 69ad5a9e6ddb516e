import type { EngineCoreRequest } from './request.js';

/**
 * A request as the engine takes it: tokenized, with resolved sampling parameters. It has the engine core's fields;
 * the difference is that `samplingParams.n` may exceed 1 here (the engine fans it out into n core requests).
 */
export type EngineRequest = EngineCoreRequest;

/** The engine-core id of choice `index` of a request with `n` choices. */
export function childRequestId(requestId: string, index: number, n: number): string {
  return n === 1 ? requestId : `${requestId}#${index}`;
}
