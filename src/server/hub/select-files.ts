import { HipserveError } from '../../errors.js';
import type { RepoFile } from './hub-api.js';

/** What a model needs besides its weights: configs, tokenizer, chat templates. */
const SIDE_FILE = /^[^/]*\.(json|model|txt|jinja|tiktoken)$/;

export interface FileSelection {
  readonly files: readonly RepoFile[];
  /** The GGUF to load, when the repository serves GGUF rather than safetensors. */
  readonly gguf: string | null;
}

/**
 * The files to download: safetensors weights (all shards) with their side files, or else one GGUF, picked by
 * `selector` (a file name or a quantization tag such as Q4_K_M) when the repository holds several.
 */
export function selectFiles(repoId: string, files: readonly RepoFile[], selector: string | null): FileSelection {
  const sideFiles = files.filter((f) => SIDE_FILE.test(f.path));
  const safetensors = files.filter((f) => /^[^/]*\.safetensors$/.test(f.path));
  if (!selector && safetensors.length > 0 && sideFiles.some((f) => f.path === 'config.json')) {
    return { files: [...sideFiles, ...safetensors], gguf: null };
  }
  const ggufs = files.filter((f) => f.path.endsWith('.gguf') && !/mmproj/i.test(f.path));
  const chosen = pickGguf(repoId, ggufs, selector);
  return { files: [...sideFiles, chosen], gguf: chosen.path };
}

function pickGguf(repoId: string, ggufs: readonly RepoFile[], selector: string | null): RepoFile {
  if (ggufs.length === 0) {
    throw new HipserveError('model_not_found', `${repoId} holds neither safetensors weights with a config.json nor a .gguf file`);
  }
  const names = ggufs.map((f) => f.path).join(', ');
  if (!selector) {
    if (ggufs.length === 1) return ggufs[0]!;
    throw new HipserveError('model_not_found', `${repoId} holds ${ggufs.length} GGUF files (${names}): pick one as ${repoId}:<file or quantization>`);
  }
  const exact = ggufs.find((f) => f.path === selector || f.path.split('/').pop() === selector);
  if (exact) return exact;
  const tag = selector.toLowerCase();
  const tagged = ggufs.filter((f) => new RegExp(`[-._]${escapeRegExp(tag)}[-._]`).test(f.path.toLowerCase()));
  if (tagged.length === 1) return tagged[0]!;
  const detail = tagged.length === 0 ? 'matches no GGUF file' : `matches ${tagged.length} GGUF files`;
  throw new HipserveError('model_not_found', `${repoId}:${selector} ${detail} (it holds ${names})`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
