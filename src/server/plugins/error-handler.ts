import type { FastifyReply } from 'fastify';

import { httpError, toHttpError, type HttpError } from '../errors/openai-error.js';
import { sharedPlugin } from './shared-plugin.js';

export function sendHttpError(reply: FastifyReply, error: HttpError): FastifyReply {
  return reply.code(error.status).type('application/json').send(error.body);
}

/** The one place errors become responses: OpenAI's error object for every failure, unknown routes included. */
export const errorHandler = sharedPlugin('hipserve-error-handler', async (app) => {
  app.setErrorHandler((err, request, reply) => {
    const error = toHttpError(err);
    if (error.status >= 500) request.log.error({ err }, 'request failed');
    return sendHttpError(reply, error);
  });
  app.setNotFoundHandler((request, reply) =>
    sendHttpError(reply, httpError(404, `Not found: ${request.method} ${request.url.split('?')[0]}`, 'not_found')));
});
