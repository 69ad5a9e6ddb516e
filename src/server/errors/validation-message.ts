/** One of Ajv's errors, as Fastify attaches them to a failed schema validation. */
export interface ValidationIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
  readonly parentSchema?: { description?: string };
  readonly data?: unknown;
}

export interface ValidationSummary {
  readonly message: string;
  readonly param: string | null;
  readonly code: string;
}

/** "/messages/0/content" -> "messages[0].content"; "" -> null. */
export function paramOf(instancePath: string, missing?: unknown): string | null {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (typeof missing === 'string') parts.push(missing);
  let out = '';
  for (const part of parts) out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  return out === '' ? null : out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * One readable sentence for a failed validation. Ajv lists the failures of every branch of a union before the
 * union's own; the union's description ("a string or an array of token ids") says more than any branch.
 */
export function validationMessage(issues: readonly ValidationIssue[], context: string): ValidationSummary {
  const union = [...issues].reverse().find((i) => i.keyword === 'anyOf' || i.keyword === 'oneOf');
  const issue = union ?? issues[0]!;
  const param = paramOf(issue.instancePath, issue.params.missingProperty);
  const name = param ?? context;
  const got = 'data' in issue ? `, got ${describe(issue.data)}` : '';
  switch (issue.keyword) {
    case 'required':
      return { message: `Missing required parameter: '${name}'.`, param, code: 'missing_required_parameter' };
    case 'type':
      return { message: `Invalid type for '${name}': expected ${String(issue.params.type).replace(',', ' or ')}${got}.`, param, code: 'invalid_type' };
    case 'anyOf':
    case 'oneOf': {
      const expected = issue.parentSchema?.description ?? 'one of the allowed forms';
      return { message: `Invalid type for '${name}': expected ${expected}${got}.`, param, code: 'invalid_type' };
    }
    default:
      return { message: `Invalid value for '${name}': ${issue.message ?? 'not allowed'}.`, param, code: 'invalid_value' };
  }
}
