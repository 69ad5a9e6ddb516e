import { HipserveError } from '../../errors.js';
import { resolveSamplingParams, type SamplingParams, type SamplingParamsInit } from '../../sampling/sampling-params.js';

/** Defaults the model's generation_config.json sets (vLLM's default sampling params under --generation-config auto). */
export interface SamplingDefaults {
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly minP?: number;
  readonly repetitionPenalty?: number;
  readonly maxTokens?: number;
}

/** The sampling fields both OpenAI routes take (snake_case, as sent). */
export interface SamplingRequestFields {
  readonly n?: number | null;
  readonly temperature?: number | null;
  readonly top_p?: number | null;
  readonly top_k?: number | null;
  readonly min_p?: number | null;
  readonly repetition_penalty?: number | null;
  readonly presence_penalty?: number | null;
  readonly frequency_penalty?: number | null;
  readonly logit_bias?: Readonly<Record<string, number>> | null;
  readonly seed?: number | null;
  readonly stop?: string | readonly string[] | null;
  readonly stop_token_ids?: readonly number[] | null;
  readonly ignore_eos?: boolean | null;
  readonly min_tokens?: number | null;
  readonly skip_special_tokens?: boolean | null;
  readonly include_stop_str_in_output?: boolean | null;
  readonly allowed_token_ids?: readonly number[] | null;
  readonly prompt_logprobs?: number | null;
}

export interface SamplingContext {
  readonly vocabSize: number;
  readonly maxLogprobs: number;
  readonly defaults: SamplingDefaults;
  /** Seeds requests that give none (`--seed`). */
  readonly nextSeed?: (() => number) | null;
}

/** Route-specific parts: the output limit and logprobs as each route names them. */
export interface RouteSampling {
  readonly maxTokens: number | null;
  readonly logprobs: number | null;
}

/** The request's sampling fields as validated SamplingParams; every error names the request parameter. */
export function requestSamplingParams(body: SamplingRequestFields, route: RouteSampling, context: SamplingContext): SamplingParams {
  const d = context.defaults;
  const stop = body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : [...body.stop];
  const init: SamplingParamsInit = {
    n: body.n,
    temperature: body.temperature ?? d.temperature,
    topP: body.top_p ?? d.topP,
    topK: body.top_k ?? d.topK,
    minP: body.min_p ?? d.minP,
    repetitionPenalty: body.repetition_penalty ?? d.repetitionPenalty,
    presencePenalty: body.presence_penalty,
    frequencyPenalty: body.frequency_penalty,
    logitBias: body.logit_bias == null ? null : logitBiasMap(body.logit_bias),
    seed: body.seed ?? context.nextSeed?.() ?? null,
    maxTokens: route.maxTokens ?? d.maxTokens,
    minTokens: body.min_tokens,
    stop,
    stopTokenIds: body.stop_token_ids,
    ignoreEos: body.ignore_eos,
    skipSpecialTokens: body.skip_special_tokens,
    includeStopStrInOutput: body.include_stop_str_in_output,
    allowedTokenIds: body.allowed_token_ids,
    logprobs: route.logprobs,
    promptLogprobs: body.prompt_logprobs,
  };
  return resolveSamplingParams(init, { vocabSize: context.vocabSize, maxLogprobs: context.maxLogprobs });
}

/** OpenAI sends token ids as object keys; a key that is not a plain integer becomes NaN, which validation refuses. */
function logitBiasMap(bias: Readonly<Record<string, number>>): Map<number, number> {
  return new Map(Object.entries(bias).map(([key, value]) => [/^\d+$/.test(key) ? Number(key) : NaN, value]));
}

/** Chat's logprobs: a boolean, with top_logprobs alternatives (OpenAI's rules). */
export function chatLogprobs(logprobs: boolean | null | undefined, topLogprobs: number | null | undefined): number | null {
  if (topLogprobs != null && !logprobs) {
    throw new HipserveError('invalid_request', 'top_logprobs requires logprobs to be true', 'top_logprobs');
  }
  return logprobs ? topLogprobs ?? 0 : null;
}
