import { Type, type TSchema } from '@sinclair/typebox';

const ARTICLE: Record<string, string> = {
  string: 'a string', number: 'a number', integer: 'an integer', boolean: 'a boolean', object: 'an object', array: 'an array',
};

/** `T | null`, described so a validation error reads "expected a number or null". */
export function Nullable<T extends TSchema>(schema: T) {
  const kind = typeof schema.type === 'string' ? ARTICLE[schema.type] ?? schema.type : 'a valid value';
  return Type.Union([schema, Type.Null()], { description: `${kind} or null` });
}

/** An optional, nullable request field: absent and null both mean "use the default". */
export function Opt<T extends TSchema>(schema: T) {
  return Type.Optional(Nullable(schema));
}

/** Ranges are checked where the vocabulary is known, with the parameter named exactly. */
export const TokenId = Type.Integer();
export const TokenIds = Type.Array(TokenId);

export const StopSchema = Type.Union([Type.String(), Type.Array(Type.String())], {
  description: 'a string, an array of strings or null',
});

export const StreamOptions = Type.Object({
  include_usage: Opt(Type.Boolean()),
  continuous_usage_stats: Opt(Type.Boolean()),
});
