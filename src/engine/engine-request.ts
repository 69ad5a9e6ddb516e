import type { SamplingParams } from '../sampling/sampling-params.js';

/** A request as the engine takes it: tokenized, with resolved sampling parameters (n choices). */
export interface EngineRequest {
  readonly requestId: string;
  readonly promptTokenIds: readonly number[];
  readonly samplingParams: SamplingParams;
  /** Epoch milliseconds (see clock.ts nowMs). */
  readonly arrivalTime: number;
  readonly priority?: number;
  /** Mixed into every block hash: adapter name, cache salt, image hashes. */
  readonly extraKeys?: readonly string[] | null;
}

/** The engine-core id of choice `index` of a request with `n` choices. */
export function childRequestId(requestId: string, index: number, n: number): string {
  return n === 1 ? requestId : `${requestId}#${index}`;
}
