import type { FastifyPluginAsync } from 'fastify';

import { HipserveError } from '../../errors.js';
import type { ServingContext } from '../serving-context.js';
import { servedModelName } from './route-helpers.js';

/** GET /v1/models (and /v1/models/<name>), /health, /version, /metrics. */
export const infoRoutes: FastifyPluginAsync<ServingContext> = async (app, ctx) => {
  const card = (id: string) => ({
    id,
    object: 'model',
    created: ctx.startedAt,
    owned_by: 'hipserve',
    root: ctx.modelPath,
    parent: null,
    max_model_len: ctx.limits.maxModelLen,
  });

  app.get('/v1/models', async () => ({ object: 'list', data: ctx.modelNames.map(card) }));
  app.get<{ Params: { '*': string } }>('/v1/models/*', async (request) => card(servedModelName(ctx, request.params['*'])));

  app.get('/health', async (_request, reply) => {
    if (ctx.engine.alive()) return reply.code(200).send();
    throw new HipserveError('engine_error', 'the engine has stopped: restart the server');
  });
  app.get('/version', async () => ({ version: ctx.version }));

  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await ctx.metrics.render();
    return reply.type(contentType).send(body);
  });
};
