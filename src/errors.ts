/**
 * Typed errors that carry a `code` through every layer. The server's one error handler maps them to
 * OpenAI-style JSON; `status` is the HTTP status that fits.
 */
export type ErrorCode =
  | 'invalid_request'      // a request field is missing, of the wrong type or out of range
  | 'context_length_exceeded'
  | 'model_not_found'
  | 'model_file_error'     // a model file is malformed or hostile: message names the file and field
  | 'unsupported'          // valid, but this build, model or platform cannot serve it
  | 'plugin_error'
  | 'engine_error'
  | 'unauthorized';

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  context_length_exceeded: 400,
  model_not_found: 404,
  model_file_error: 500,
  unsupported: 400,
  plugin_error: 500,
  engine_error: 500,
  unauthorized: 401,
};

export class HipserveError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'HipserveError';
    this.status = STATUS[code];
  }
}

/** A malformed model file: the message always names the file and the field. */
export class ModelFileError extends HipserveError {
  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super('model_file_error', `${file}: ${field}: ${detail}`);
    this.name = 'ModelFileError';
  }
}
