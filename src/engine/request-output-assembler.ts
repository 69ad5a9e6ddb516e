import type { CompletionOutput, RequestDelta, RequestOutput } from './request-output.js';

/** Turns one request's deltas into RequestOutputs, keeping its prompt and each choice's cumulative token ids. */
export class RequestOutputAssembler {
  private readonly cumulative: number[][] = [];

  constructor(private readonly promptTokenIds: readonly number[]) {}

  assemble(delta: RequestDelta): RequestOutput {
    const outputs: CompletionOutput[] = delta.outputs.map((o) => {
      const ids = (this.cumulative[o.index] ??= []);
      for (const id of o.tokenIds) ids.push(id);
      return { ...o, cumulativeTokenIds: ids };
    });
    return { ...delta, promptTokenIds: this.promptTokenIds, outputs };
  }
}
