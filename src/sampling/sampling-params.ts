import { HipserveError } from '../errors.js';

/**
 * How one request samples, resolved and validated (vLLM's SamplingParams in camelCase). Plain data, so it crosses
 * worker_threads boundaries unchanged.
 */
export interface SamplingParams {
  /** Completions sharing the prompt (and its KV blocks). */
  readonly n: number;
  /** 0 means greedy. */
  readonly temperature: number;
  /** Keep the smallest set of tokens whose probability reaches topP; 1 disables. */
  readonly topP: number;
  /** Keep the topK most likely tokens; 0 disables. */
  readonly topK: number;
  /** Drop tokens less likely than minP times the most likely one; 0 disables. */
  readonly minP: number;
  /** > 1 discourages tokens already in the prompt or output (divides positive logits, multiplies negative ones). */
  readonly repetitionPenalty: number;
  /** Subtracted once from the logit of every token already generated. */
  readonly presencePenalty: number;
  /** Subtracted from a token's logit per time it was generated. */
  readonly frequencyPenalty: number;
  /** Added to the logits of the given token ids. */
  readonly logitBias: ReadonlyMap<number, number> | null;
  /** Only these token ids may be sampled. */
  readonly allowedTokenIds: readonly number[] | null;
  /** These token ids are never sampled. */
  readonly badTokenIds: readonly number[] | null;
  /** Same seed, same prompt: same output, whatever else is in the batch. */
  readonly seed: number | null;
  /** null: until the context is full. */
  readonly maxTokens: number | null;
  /** EOS and stop_token_ids cannot end the output before this many tokens. */
  readonly minTokens: number;
  readonly stop: readonly string[];
  readonly stopTokenIds: readonly number[];
  readonly ignoreEos: boolean;
  readonly includeStopStrInOutput: boolean;
  /** Log-probabilities of generated tokens with this many alternatives; null: none. */
  readonly logprobs: number | null;
  /** Log-probabilities of prompt tokens with this many alternatives; null: none. */
  readonly promptLogprobs: number | null;
  readonly skipSpecialTokens: boolean;
}

export type SamplingParamsInit = {
  [K in Exclude<keyof SamplingParams, 'logitBias'>]?: SamplingParams[K] | null;
} & { logitBias?: ReadonlyMap<number, number> | Readonly<Record<string, number>> | null };

export const GREEDY_EPSILON = 1e-5;
export const DEFAULT_MAX_LOGPROBS = 20;

export interface SamplingLimits {
  vocabSize?: number;
  maxLogprobs?: number;
}

const DEFAULTS: SamplingParams = {
  n: 1, temperature: 1, topP: 1, topK: 0, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0,
  logitBias: null, allowedTokenIds: null, badTokenIds: null, seed: null, maxTokens: null, minTokens: 0, stop: [],
  stopTokenIds: [], ignoreEos: false, includeStopStrInOutput: false, logprobs: null, promptLogprobs: null,
  skipSpecialTokens: true,
};

function invalid(param: string, message: string): HipserveError {
  return new HipserveError('invalid_request', `${param} ${message}`, param);
}

function num(value: unknown, param: string, lo: number, hi: number, open = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi || (open && value === lo)) {
    throw invalid(param, `must be a number in ${open ? '(' : '['}${lo}, ${hi}], got ${String(value)}`);
  }
  return value;
}

function int(value: unknown, param: string, lo: number, hi = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < lo || value > hi) {
    throw invalid(param, `must be an integer in [${lo}, ${hi}], got ${String(value)}`);
  }
  return value;
}

function tokenIds(value: unknown, param: string, vocabSize: number): readonly number[] {
  if (!Array.isArray(value)) throw invalid(param, 'must be an array of token ids');
  return value.map((id, i) => int(id, `${param}[${i}]`, 0, vocabSize - 1));
}

function logitBias(value: unknown, vocabSize: number): ReadonlyMap<number, number> {
  const entries = value instanceof Map ? [...(value as Map<unknown, unknown>)] : Object.entries(value as object);
  const out = new Map<number, number>();
  for (const [key, bias] of entries) {
    const id = typeof key === 'string' && /^\d+$/.test(key) ? Number(key) : key;
    int(id, 'logit_bias', 0, vocabSize - 1);
    out.set(id as number, num(bias, `logit_bias[${String(key)}]`, -100, 100));
  }
  return out;
}

/** Fills defaults and validates; every error is an invalid_request naming the (snake_case) parameter. */
export function resolveSamplingParams(init: SamplingParamsInit = {}, limits: SamplingLimits = {}): SamplingParams {
  const vocab = limits.vocabSize ?? Number.MAX_SAFE_INTEGER;
  const maxLogprobs = limits.maxLogprobs ?? DEFAULT_MAX_LOGPROBS;
  const v = <K extends keyof SamplingParams>(k: K): unknown => init[k] ?? DEFAULTS[k];

  const temperature = num(v('temperature'), 'temperature', 0, 1e6);
  const greedy = temperature < GREEDY_EPSILON;
  const maxTokens = init.maxTokens == null ? null : int(init.maxTokens, 'max_tokens', 1);
  const minTokens = int(v('minTokens'), 'min_tokens', 0);
  if (maxTokens !== null && minTokens > maxTokens) throw invalid('min_tokens', `(${minTokens}) must be <= max_tokens (${maxTokens})`);
  const topK = int(v('topK') === -1 ? 0 : v('topK'), 'top_k', 0);
  const stop = v('stop');
  if (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw invalid('stop', 'must be a list of non-empty strings');
  }
  const allowed = init.allowedTokenIds == null ? null : tokenIds(init.allowedTokenIds, 'allowed_token_ids', vocab);
  if (allowed !== null && allowed.length === 0) throw invalid('allowed_token_ids', 'must not be empty');
  const optionalCount = (value: unknown, param: string): number | null => value == null ? null : int(value, param, 0, maxLogprobs);

  return {
    n: int(v('n'), 'n', 1, 1024),
    temperature,
    topP: greedy ? 1 : num(v('topP'), 'top_p', 0, 1, true),
    topK: greedy ? 0 : topK,
    minP: greedy ? 0 : num(v('minP'), 'min_p', 0, 1),
    repetitionPenalty: num(v('repetitionPenalty'), 'repetition_penalty', 0, 1e6, true),
    presencePenalty: num(v('presencePenalty'), 'presence_penalty', -2, 2),
    frequencyPenalty: num(v('frequencyPenalty'), 'frequency_penalty', -2, 2),
    logitBias: init.logitBias == null ? null : logitBias(init.logitBias, vocab),
    allowedTokenIds: allowed,
    badTokenIds: init.badTokenIds == null ? null : tokenIds(init.badTokenIds, 'bad_token_ids', vocab),
    seed: init.seed == null ? null : int(init.seed, 'seed', Number.MIN_SAFE_INTEGER),
    maxTokens,
    minTokens,
    stop: [...(stop as string[])],
    stopTokenIds: tokenIds(v('stopTokenIds'), 'stop_token_ids', vocab),
    ignoreEos: Boolean(v('ignoreEos')),
    includeStopStrInOutput: Boolean(v('includeStopStrInOutput')),
    logprobs: optionalCount(init.logprobs, 'logprobs'),
    promptLogprobs: optionalCount(init.promptLogprobs, 'prompt_logprobs'),
    skipSpecialTokens: Boolean(v('skipSpecialTokens')),
  };
}

export function isGreedy(params: SamplingParams): boolean {
  return params.temperature < GREEDY_EPSILON;
}
