import type { GenerationResult } from '../llm/completion-result.js';
import type { PromptInput } from '../llm/llm.js';
import type { SamplingParamsInit } from '../sampling/sampling-params.js';
import type { ReferenceSet } from './reference-set.js';

/** What the comparison needs of the engine: greedy generation with logprobs (LLM.generate). */
export interface Generator {
  generate(prompts: readonly PromptInput[], params: SamplingParamsInit): GenerationResult[];
}

export interface CaseAgreement {
  readonly length: number;
  /** Reference tokens reproduced before the first difference. */
  readonly matchedPrefix: number;
  readonly firstMismatch: { readonly index: number; readonly expected: number; readonly got: number } | null;
  /** Largest |logprob − reference| over the top-k tokens at steps with a stored distribution, null when none. */
  readonly maxLogprobDiff: number | null;
}

export interface ReferenceAgreement {
  readonly cases: number;
  readonly cases_matched: number;
  readonly tokens_compared: number;
  readonly tokens_matched: number;
  /** tokens_matched / tokens_compared: the share of reference tokens reproduced before each case diverged. */
  readonly token_agreement: number;
  readonly positions_with_logprobs: number;
  readonly max_logprob_diff: number | null;
  readonly passed: boolean;
  readonly per_case: readonly CaseAgreement[];
}

/**
 * Greedy-decodes every reference prompt (EOS ignored, as references are) and compares: tokens up to the first
 * difference, and where the reference stored a distribution at a step the two runs share, the top-k logprobs.
 * A step past a divergence has a different context, so it is not compared.
 */
export function referenceAgreement(llm: Generator, set: ReferenceSet, o: { topLogprobs: number; tolerance: number }): ReferenceAgreement {
  const steps = Math.max(...set.cases.map((c) => Math.max(c.tokenIds.length, ...[...c.distributions.keys()].map((s) => s + 1))));
  const results = llm.generate(set.cases.map((c) => ({ promptTokenIds: c.promptTokenIds })),
    { temperature: 0, maxTokens: steps, ignoreEos: true, logprobs: o.topLogprobs });
  const perCase = set.cases.map((c, i): CaseAgreement => {
    const out = results[i]!.outputs[0]!;
    let matched = 0;
    while (matched < c.tokenIds.length && out.tokenIds[matched] === c.tokenIds[matched]) matched++;
    let maxDiff: number | null = null;
    for (const [step, reference] of c.distributions) {
      const position = out.logprobs?.[step];
      if (step > matched || !position) continue;
      for (const t of position.top) maxDiff = Math.max(maxDiff ?? 0, Math.abs(t.logprob - reference[t.tokenId]!));
    }
    return {
      length: c.tokenIds.length, matchedPrefix: matched, maxLogprobDiff: maxDiff,
      firstMismatch: matched < c.tokenIds.length ? { index: matched, expected: c.tokenIds[matched]!, got: out.tokenIds[matched] ?? -1 } : null,
    };
  });
  const compared = perCase.reduce((n, c) => n + c.length, 0);
  const matched = perCase.reduce((n, c) => n + c.matchedPrefix, 0);
  const diffs = perCase.flatMap((c) => (c.maxLogprobDiff === null ? [] : [c.maxLogprobDiff]));
  const maxDiff = diffs.length ? Math.max(...diffs) : null;
  return {
    cases: perCase.length,
    cases_matched: perCase.filter((c) => c.firstMismatch === null).length,
    tokens_compared: compared,
    tokens_matched: matched,
    token_agreement: compared === 0 ? 1 : matched / compared,
    positions_with_logprobs: set.cases.reduce((n, c, i) => n + [...c.distributions.keys()].filter((s) => s <= perCase[i]!.matchedPrefix).length, 0),
    max_logprob_diff: maxDiff,
    passed: matched === compared && (maxDiff === null || maxDiff <= o.tolerance),
    per_case: perCase,
  };
}
