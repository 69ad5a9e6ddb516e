import type { CompletionOutput, RequestDelta, RequestOutput } from './request-output.js';

/** Turns one request's deltas into RequestOutputs, keeping its prompt and each choice's cumulative token ids. */
export class RequestOutputAssembler {
  private readonly cumulative: number[][] = [];

  constructor(private readonly promptTokenIds: readonly number[]) {}

  assemble(delta: RequestDelta): RequestOutput {
    const outputs: CompletionOutput[] = delta.outputs.map((o) => {
      const ids = (this.cumulative[o.index] ??= []);
      for (const id of o.tokenIds) ids.push(id);
      return { index: o.index, text: o.text, tokenIds: o.tokenIds, cumulativeTokenIds: ids, logprobs: o.logprobs,
        finishReason: o.finishReason, stopReason: o.stopReason };
    });
    return { requestId: delta.requestId, promptTokenIds: this.promptTokenIds, promptLogprobs: delta.promptLogprobs, outputs,
      finished: delta.finished, metrics: delta.metrics };
  }
}
