/**
 * A Hugging Face model named on the command line: `owner/name`, optionally `@revision` (branch, tag or commit) and
 * `:file.gguf` or `:QUANT` (llama.cpp's way of picking one GGUF of a repository that holds several).
 */
export interface RepoRef {
  readonly repoId: string;
  readonly revision: string;
  /** A GGUF file name, or a quantization tag such as Q4_K_M matched against the repository's GGUF names. */
  readonly ggufSelector: string | null;
}

const NAME = '[A-Za-z0-9][A-Za-z0-9._-]{0,95}';
const REPO_REF = new RegExp(`^(${NAME}/${NAME})(?:@([^:@\\s]+))?(?::([^:@/\\s]+))?$`);

/** The reference a model argument names, or null when it does not look like a repository id. */
export function parseRepoRef(spec: string): RepoRef | null {
  const match = REPO_REF.exec(spec);
  if (!match || match[1]!.includes('..')) return null;
  return { repoId: match[1]!, revision: match[2] ?? 'main', ggufSelector: match[3] ?? null };
}

export function formatRepoRef(ref: RepoRef): string {
  const revision = ref.revision === 'main' ? '' : `@${ref.revision}`;
  return `${ref.repoId}${revision}${ref.ggufSelector ? `:${ref.ggufSelector}` : ''}`;
}

export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}
