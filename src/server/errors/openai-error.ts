import { HipserveError, type ErrorCode } from '../../errors.js';
import { validationMessage, type ValidationIssue } from './validation-message.js';

/** OpenAI's error object, as every failed request returns it. */
export interface OpenAIErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
}

export interface HttpError {
  readonly status: number;
  readonly body: OpenAIErrorBody;
}

export function httpError(status: number, message: string, code: string | null, param: string | null = null): HttpError {
  return { status, body: { error: { message, type: errorType(status), param, code } } };
}

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** OpenAI's name where it differs from hipserve's code. */
const HIPSERVE_CODES: Partial<Record<ErrorCode, string>> = { unauthorized: 'invalid_api_key' };

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: readonly ValidationIssue[];
  validationContext?: string;
}

/**
 * Any error a request can end in, as OpenAI's error object: hipserve's typed errors keep their code and param;
 * Fastify's (schema validation, unparsable JSON, oversized body) get OpenAI's wording; anything else is a 500
 * whose details stay in the log.
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HipserveError) {
    const status = err instanceof KVCacheExceededError ? 413 : err.status;
    return httpError(status, err.message, HIPSERVE_CODES[err.code] ?? err.code, err.param);
  }
  const e = (err ?? {}) as FastifyLikeError;
  if (e.validation) {
    const { message, param, code } = validationMessage(e.validation, e.validationContext ?? 'body');
    return httpError(400, message, code, param);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return httpError(400, `We could not parse the JSON body of your request (${e.message ?? 'invalid JSON'}). ` +
        'The body must be JSON, sent with "Content-Type: application/json".', 'invalid_json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return httpError(413, 'The request body is larger than the server accepts.', 'request_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return httpError(400, `${e.message ?? 'Unsupported media type'}: send JSON with "Content-Type: application/json".`, 'invalid_content_type');
  }
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    return httpError(e.statusCode, e.message ?? 'Bad request', e.code ?? null);
  }
  return httpError(500, 'The server had an error while processing your request.', 'internal_error');
}

/** A request that needs more KV-cache blocks than the whole cache has: it could never run, so it is refused (413). */
export class KVCacheExceededError extends HipserveError {
  constructor(message: string, param: string | null = null) {
    super('context_length_exceeded', message, param);
    this.name = 'KVCacheExceededError';
  }
}
