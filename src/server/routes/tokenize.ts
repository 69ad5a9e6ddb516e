import type { FastifyPluginAsync } from 'fastify';

import { HipserveError } from '../../errors.js';
import { DetokenizeRequest, TokenizeRequest, type TokenizeChatRequest } from '../schemas/tokenize-request.js';
import { chatPrompt } from '../serving/chat-prompt.js';
import type { ServingContext } from '../serving-context.js';
import { servedModelName } from './route-helpers.js';

/** POST /tokenize and /detokenize, as vLLM has them. */
export const tokenizeRoutes: FastifyPluginAsync<ServingContext> = async (app, ctx) => {
  app.post<{ Body: TokenizeRequest }>('/tokenize', { schema: { body: TokenizeRequest } }, async (request) => {
    const body = request.body;
    servedModelName(ctx, body.model);
    const tokens = 'messages' in body
      ? chatPrompt(body as TokenizeChatRequest, ctx.tokenizer, ctx.chatTemplate).tokenIds
      : ctx.tokenizer.encode(body.prompt, { addSpecialTokens: body.add_special_tokens ?? true });
    return {
      count: tokens.length,
      max_model_len: ctx.limits.maxModelLen,
      tokens,
      ...(body.return_token_strs ? { token_strs: tokens.map((id) => ctx.tokenizer.idToToken(id)) } : {}),
    };
  });

  app.post<{ Body: DetokenizeRequest }>('/detokenize', { schema: { body: DetokenizeRequest } }, async (request) => {
    const body = request.body;
    servedModelName(ctx, body.model);
    const bad = body.tokens.findIndex((id) => id < 0 || id >= ctx.tokenizer.vocabSize);
    if (bad >= 0) {
      throw new HipserveError('invalid_request',
        `tokens[${bad}] = ${body.tokens[bad]} is not a token id of this model (0 to ${ctx.tokenizer.vocabSize - 1})`, `tokens[${bad}]`);
    }
    return { prompt: ctx.tokenizer.decode(body.tokens, { skipSpecialTokens: false }) };
  });
};
